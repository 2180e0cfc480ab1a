#include "vmm/kvm/kvm_system.h"

#include "vmm/kvm/cpuid_buffer.h"

#include <fcntl.h>
#include <sys/ioctl.h>

#include <cerrno>

namespace vmlet {

constexpr int kKvmApiVersion = 12; // the only stable KVM API (Documentation/virt/kvm/api.rst 4.1)

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

}
