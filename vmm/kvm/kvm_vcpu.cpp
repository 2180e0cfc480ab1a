#include "vmm/kvm/kvm_vcpu.h"

#include "vmm/kvm/cpuid_buffer.h"
#include "vmm/kvm/kvm_abi.h"

#include <sys/ioctl.h>

#include <algorithm>
#include <atomic>
#include <cerrno>

namespace vmlet {

template<typename T>
static Result<T> get_state(int fd, unsigned long request, const char* name)
{
    T state {};
    if (::ioctl(fd, request, &state) < 0)
        return errno_error(name);
    return state;
}

template<typename T>
static Result<void> set_state(int fd, unsigned long request, const T& state, const char* name)
{
    if (::ioctl(fd, request, &state) < 0)
        return errno_error(name);
    return {};
}

Result<KvmVcpu> KvmVcpu::create(const KvmSystem& system, const KvmVm& vm, uint32_t index)
{
    auto fd = TRY(vm.create_vcpu(index));
    auto size = TRY(system.vcpu_mmap_size());
    auto run = TRY_CONTEXT(Mmap::map_shared(fd.get(), size), "mapping kvm_run");
    return KvmVcpu(index, std::move(fd), std::move(run));
}

Result<VcpuExit> KvmVcpu::run()
{
    if (::ioctl(m_fd.get(), KVM_RUN, 0) < 0) {
        if (errno == EINTR || errno == EAGAIN) {
            std::atomic_ref(run_area().immediate_exit).store(0, std::memory_order_relaxed);
            return VcpuExit(exits::Interrupted {});
        }
        return errno_error(fmt::format("KVM_RUN on vCPU {}", m_index));
    }
    return decode_exit(run_area(), m_run.size());
}

void KvmVcpu::request_immediate_exit()
{
    std::atomic_ref(run_area().immediate_exit).store(1, std::memory_order_release);
}

Result<kvm_regs> KvmVcpu::get_regs() const { return get_state<kvm_regs>(m_fd.get(), KVM_GET_REGS, "KVM_GET_REGS"); }
Result<void> KvmVcpu::set_regs(const kvm_regs& regs) const { return set_state(m_fd.get(), KVM_SET_REGS, regs, "KVM_SET_REGS"); }
Result<kvm_sregs> KvmVcpu::get_sregs() const { return get_state<kvm_sregs>(m_fd.get(), KVM_GET_SREGS, "KVM_GET_SREGS"); }
Result<void> KvmVcpu::set_sregs(const kvm_sregs& sregs) const { return set_state(m_fd.get(), KVM_SET_SREGS, sregs, "KVM_SET_SREGS"); }
Result<kvm_lapic_state> KvmVcpu::get_lapic() const { return get_state<kvm_lapic_state>(m_fd.get(), KVM_GET_LAPIC, "KVM_GET_LAPIC"); }
Result<void> KvmVcpu::set_lapic(const kvm_lapic_state& lapic) const { return set_state(m_fd.get(), KVM_SET_LAPIC, lapic, "KVM_SET_LAPIC"); }

Result<void> KvmVcpu::set_cpuid(const std::vector<kvm_cpuid_entry2>& entries) const
{
    CpuidBuffer buffer(entries);
    if (::ioctl(m_fd.get(), kKvmSetCpuid2, buffer.data()) < 0)
        return errno_error("KVM_SET_CPUID2");
    return {};
}

Result<std::vector<kvm_msr_entry>> KvmVcpu::read_msrs(std::span<const uint32_t> indices) const
{
    std::vector<kvm_msr_entry> read;
    for (size_t start = 0; start < indices.size(); start += kMaxMsrsPerIoctl) {
        auto chunk = indices.subspan(start, std::min(kMaxMsrsPerIoctl, indices.size() - start));
        std::vector<kvm_msr_entry> entries(chunk.size());
        for (size_t i = 0; i < chunk.size(); ++i)
            entries[i].index = chunk[i];
        MsrBuffer buffer(entries);
        int count = ::ioctl(m_fd.get(), kKvmGetMsrs, buffer.data());
        if (count < 0)
            return errno_error(fmt::format("KVM_GET_MSRS on vCPU {}", m_index));
        auto got = buffer.entries(size_t(count));
        read.insert(read.end(), got.begin(), got.end());
        if (got.size() < chunk.size())
            break;
    }
    return read;
}

Result<size_t> KvmVcpu::write_msrs(std::span<const kvm_msr_entry> msrs) const
{
    size_t written = 0;
    for (size_t start = 0; start < msrs.size(); start += kMaxMsrsPerIoctl) {
        auto chunk = msrs.subspan(start, std::min(kMaxMsrsPerIoctl, msrs.size() - start));
        MsrBuffer buffer(chunk);
        int count = ::ioctl(m_fd.get(), kKvmSetMsrs, buffer.data());
        if (count < 0)
            return errno_error(fmt::format("KVM_SET_MSRS on vCPU {}", m_index));
        written += size_t(count);
        if (size_t(count) < chunk.size())
            break;
    }
    return written;
}

}
