#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"

#include <linux/kvm.h>

#include <string>
#include <vector>

namespace vmlet {

// /dev/kvm: the capability queries that do not need a VM.
class KvmSystem {
public:
    static constexpr const char* kDefaultDevice = "/dev/kvm";

    static Result<KvmSystem> open(const std::string& device_path);

    int fd() const { return m_fd.get(); }
    int check_extension(long capability) const;
    uint32_t max_vcpus() const;
    Result<size_t> vcpu_mmap_size() const;
    Result<std::vector<kvm_cpuid_entry2>> supported_cpuid() const;
    // KVM_GET_MSR_INDEX_LIST: the MSRs KVM saves and restores for a guest (api.rst 4.3).
    Result<std::vector<uint32_t>> msr_index_list() const;
    // The MSRs a snapshot saves: those KVM lists as saved and restored across a migration
    // (KVM_GET_MSR_INDEX_LIST), less those a vCPU of this host cannot read and write back from
    // user space, found on a scratch VM. Always includes MSR_IA32_TSC.
    Result<std::vector<uint32_t>> saved_msr_indices() const;

private:
    explicit KvmSystem(UniqueFd fd)
        : m_fd(std::move(fd))
    {
    }

    UniqueFd m_fd;
};

}
