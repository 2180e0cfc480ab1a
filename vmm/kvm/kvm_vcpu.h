#pragma once

#include "vmm/base/mmap.h"
#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"
#include "vmm/kvm/kvm_vm.h"
#include "vmm/kvm/vcpu_exit.h"

#include <linux/kvm.h>

#include <span>
#include <vector>

namespace vmlet {

// One KVM vCPU and its shared kvm_run page.
class KvmVcpu {
public:
    static Result<KvmVcpu> create(const KvmSystem& system, const KvmVm& vm, uint32_t index);

    uint32_t index() const { return m_index; }

    // Enters the guest until the next exit that needs user space.
    Result<VcpuExit> run();
    // Makes the next (or current, after a signal) KVM_RUN return at once (api.rst, immediate_exit).
    void request_immediate_exit();

    Result<kvm_regs> get_regs() const;
    Result<void> set_regs(const kvm_regs& regs) const;
    Result<kvm_sregs> get_sregs() const;
    Result<void> set_sregs(const kvm_sregs& sregs) const;
    Result<void> set_cpuid(const std::vector<kvm_cpuid_entry2>& entries) const;
    Result<kvm_lapic_state> get_lapic() const;
    Result<void> set_lapic(const kvm_lapic_state& lapic) const;
    // KVM stops at the first MSR it cannot read or write (api.rst 4.18, 4.19): these return the
    // entries read, or the number written, which may be fewer than asked for.
    Result<std::vector<kvm_msr_entry>> read_msrs(std::span<const uint32_t> indices) const;
    Result<size_t> write_msrs(std::span<const kvm_msr_entry> msrs) const;

private:
    KvmVcpu(uint32_t index, UniqueFd fd, Mmap run)
        : m_index(index)
        , m_fd(std::move(fd))
        , m_run(std::move(run))
    {
    }
    kvm_run& run_area() const { return *reinterpret_cast<kvm_run*>(m_run.data()); }

    uint32_t m_index;
    UniqueFd m_fd;
    Mmap m_run;
};

}
