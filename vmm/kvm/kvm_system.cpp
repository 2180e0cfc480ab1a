#include "vmm/kvm/kvm_system.h"

#include "vmm/kvm/cpuid.h"
#include "vmm/kvm/cpuid_buffer.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/kvm/kvm_vcpu.h"

#include <fcntl.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <cerrno>

namespace vmlet {

constexpr int kKvmApiVersion = 12; // the only stable KVM API (Documentation/virt/kvm/api.rst 4.1)
constexpr uint32_t kMsrIa32Tsc = 0x10; // Intel SDM vol. 4, table 2-2

Result<KvmSystem> KvmSystem::open(const std::string& device_path)
{
    int fd = ::open(device_path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return make_error("{} does not exist: KVM is not available on this host (is the kvm module loaded?)", device_path);
        if (errno == EACCES || errno == EPERM)
            return make_error("{} is not accessible: permission denied (add yourself to the kvm group)", device_path);
        return errno_error(fmt::format("cannot open {}", device_path));
    }
    KvmSystem system { UniqueFd(fd) };
    int version = ::ioctl(fd, KVM_GET_API_VERSION, 0);
    if (version != kKvmApiVersion)
        return make_error("{} is not a usable KVM device (API version {}, expected {})", device_path, version, kKvmApiVersion);
    for (long capability : { KVM_CAP_USER_MEMORY, KVM_CAP_IRQCHIP, KVM_CAP_PIT2, KVM_CAP_IMMEDIATE_EXIT, KVM_CAP_EXT_CPUID, KVM_CAP_SET_TSS_ADDR }) {
        if (system.check_extension(capability) <= 0)
            return make_error("KVM on this host lacks capability {}, which vmlet needs", capability);
    }
    return system;
}

int KvmSystem::check_extension(long capability) const
{
    return ::ioctl(m_fd.get(), KVM_CHECK_EXTENSION, capability);
}

uint32_t KvmSystem::max_vcpus() const
{
    // api.rst: KVM_CAP_MAX_VCPUS, falling back to KVM_CAP_NR_VCPUS, then 4.
    int max = check_extension(KVM_CAP_MAX_VCPUS);
    if (max <= 0)
        max = check_extension(KVM_CAP_NR_VCPUS);
    return max > 0 ? uint32_t(max) : 4;
}

Result<size_t> KvmSystem::vcpu_mmap_size() const
{
    int size = ::ioctl(m_fd.get(), KVM_GET_VCPU_MMAP_SIZE, 0);
    if (size < int(sizeof(kvm_run)))
        return errno_error("KVM_GET_VCPU_MMAP_SIZE");
    return size_t(size);
}

Result<std::vector<kvm_cpuid_entry2>> KvmSystem::supported_cpuid() const
{
    CpuidBuffer buffer(256); // KVM_MAX_CPUID_ENTRIES
    if (::ioctl(m_fd.get(), kKvmGetSupportedCpuid, buffer.data()) < 0)
        return errno_error("KVM_GET_SUPPORTED_CPUID");
    return buffer.entries();
}

Result<std::vector<uint32_t>> KvmSystem::msr_index_list() const
{
    // api.rst 4.3: a list too small for every index fails with E2BIG, and KVM writes the count.
    MsrListHeader size { 0 };
    if (::ioctl(m_fd.get(), kKvmGetMsrIndexList, &size) < 0 && errno != E2BIG)
        return errno_error("KVM_GET_MSR_INDEX_LIST");
    std::vector<uint32_t> list(1 + size.nmsrs); // the header's nmsrs, then the indices
    list[0] = size.nmsrs;
    if (::ioctl(m_fd.get(), kKvmGetMsrIndexList, list.data()) < 0)
        return errno_error("KVM_GET_MSR_INDEX_LIST");
    return std::vector<uint32_t>(list.begin() + 1, list.begin() + 1 + std::min(list[0], size.nmsrs));
}

// Which listed MSRs a vCPU can read and write back is known only by trying: KVM_GET_MSRS stops at
// the first it cannot read (api.rst 4.18), and a host may refuse some to user space (the PVM
// development host refuses its MSR_PVM_*, shared/ENVIRONMENT.md, though it does not list them).
// Trying each one once here, on a vCPU set up as vmlet's are (in-kernel APIC, the full supported
// CPUID), gives a list that a save reads in one KVM_GET_MSRS and that fails loudly if a real vCPU
// then refuses one of them, rather than a save whose contents vary with whatever one vCPU could
// read at the time.
Result<std::vector<uint32_t>> KvmSystem::saved_msr_indices() const
{
    auto listed = TRY(msr_index_list());
    // Every KVM lists the TSC; the guest's time goes on from it after a restore, so make sure.
    if (std::find(listed.begin(), listed.end(), kMsrIa32Tsc) == listed.end())
        listed.push_back(kMsrIa32Tsc);

    auto vm = TRY(KvmVm::create(*this));
    TRY(vm.create_platform());
    auto vcpu = TRY(KvmVcpu::create(*this, vm, 0));
    auto supported = TRY(supported_cpuid());
    TRY(vcpu.set_cpuid(vcpu_cpuid(supported, 0, 1, GuestHypercalls::Available)));
    std::vector<uint32_t> saved;
    for (uint32_t index : listed) {
        auto read = TRY(vcpu.read_msrs({ &index, 1 }));
        if (read.size() == 1 && TRY(vcpu.write_msrs(read)) == 1)
            saved.push_back(index);
    }
    return saved;
}

}
