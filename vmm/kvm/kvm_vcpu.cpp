#include "vmm/kvm/kvm_vcpu.h"

#include "vmm/kvm/cpuid_buffer.h"

#include <sys/ioctl.h>

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

}
