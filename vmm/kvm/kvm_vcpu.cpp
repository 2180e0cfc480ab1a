#include "vmm/kvm/kvm_vcpu.h"

#include "vmm/kvm/cpuid_buffer.h"
#include "vmm/kvm/kvm_abi.h"

#include <cpuid.h>
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

// How many bytes of XSAVE state KVM copies for a vCPU of `vm`: KVM_CAP_XSAVE2's answer on the VM
// (api.rst 4.134), or the fixed 4096 of KVM_GET_XSAVE on kernels before it; 0 without XSAVE.
static size_t xsave_size(const KvmSystem& system, const KvmVm& vm)
{
    if (system.check_extension(KVM_CAP_XSAVE) <= 0)
        return 0;
    int size = vm.check_extension(KVM_CAP_XSAVE2);
    return size > int(sizeof(XsaveRegion)) ? size_t(size) : sizeof(XsaveRegion);
}

Result<KvmVcpu> KvmVcpu::create(const KvmSystem& system, const KvmVm& vm, uint32_t index)
{
    auto fd = TRY(vm.create_vcpu(index));
    auto size = TRY(system.vcpu_mmap_size());
    auto run = TRY_CONTEXT(Mmap::map_shared(fd.get(), size), "mapping kvm_run");
    return KvmVcpu(index, std::move(fd), std::move(run), xsave_size(system, vm), system.check_extension(KVM_CAP_XCRS) > 0);
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

Result<void> KvmVcpu::complete_pending_exit()
{
    request_immediate_exit();
    auto exit = TRY(run());
    if (!std::holds_alternative<exits::Interrupted>(exit))
        return make_error("vCPU {} ran on although immediate_exit was set", m_index);
    return {};
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

// KVM_GET_XSAVE copies 4096 bytes; KVM_GET_XSAVE2 as many as KVM_CAP_XSAVE2 said, which is more
// only once a dynamic feature was enabled (api.rst 4.42, 4.134).
Result<XsaveImage> KvmVcpu::get_xsave() const
{
    XsaveImage image { std::vector<uint8_t>(m_xsave_size) };
    auto request = m_xsave_size > sizeof(XsaveRegion) ? kKvmGetXsave2 : kKvmGetXsave;
    if (::ioctl(m_fd.get(), request, image.bytes.data()) < 0)
        return errno_error(request == kKvmGetXsave2 ? "KVM_GET_XSAVE2" : "KVM_GET_XSAVE");
    return image;
}

// KVM_SET_XSAVE reads as many bytes as KVM_CAP_XSAVE2 says (api.rst 4.43): a smaller image, saved
// where no dynamic feature was enabled, is padded with zeros, which its XSTATE_BV header already
// marks as components in their initial state.
Result<void> KvmVcpu::set_xsave(const XsaveImage& image) const
{
    if (m_xsave_size == 0)
        return make_error("the saved vCPU has XSAVE state, and this host has no XSAVE (KVM_CAP_XSAVE)");
    if (image.bytes.size() > m_xsave_size)
        return make_error("the saved XSAVE image is {} bytes, more than the {} this host's KVM takes (KVM_CAP_XSAVE2)", image.bytes.size(), m_xsave_size);
    std::vector<uint8_t> buffer(m_xsave_size, 0);
    std::copy(image.bytes.begin(), image.bytes.end(), buffer.begin());
    if (::ioctl(m_fd.get(), kKvmSetXsave, buffer.data()) < 0)
        return errno_error("KVM_SET_XSAVE");
    return {};
}

Result<VcpuState> KvmVcpu::save_state(const std::vector<uint32_t>& msr_indices) const
{
    VcpuState state {};
    state.mp_state = TRY(get_state<kvm_mp_state>(m_fd.get(), KVM_GET_MP_STATE, "KVM_GET_MP_STATE"));
    state.regs = TRY(get_regs());
    state.sregs = TRY(get_sregs());
    if (m_xsave_size > 0)
        state.fpu = TRY(get_xsave());
    else
        state.fpu = TRY(get_state<kvm_fpu>(m_fd.get(), KVM_GET_FPU, "KVM_GET_FPU"));
    if (m_has_xcrs)
        state.xcrs = TRY(get_state<kvm_xcrs>(m_fd.get(), KVM_GET_XCRS, "KVM_GET_XCRS"));
    state.debugregs = TRY(get_state<kvm_debugregs>(m_fd.get(), KVM_GET_DEBUGREGS, "KVM_GET_DEBUGREGS"));
    state.lapic = TRY(get_lapic());
    state.msrs = TRY(read_msrs(msr_indices));
    if (state.msrs.size() < msr_indices.size())
        return make_error("KVM_GET_MSRS on vCPU {} read {} of {} MSRs: it cannot read MSR {:#x}", m_index, state.msrs.size(), msr_indices.size(), msr_indices[state.msrs.size()]);
    state.events = TRY(get_state<kvm_vcpu_events>(m_fd.get(), KVM_GET_VCPU_EVENTS, "KVM_GET_VCPU_EVENTS"));
    return state;
}

// The order matters where one ioctl changes what another set or checks (arch/x86/kvm/x86.c,
// lapic.c), and the caller has already set the CPUID, against which KVM checks XCR0, the XSAVE
// components and some MSRs:
// - MP state before the events: once an event puts the vCPU in SMM, KVM refuses the INIT_RECEIVED
//   and SIPI_RECEIVED states.
// - registers before the events: KVM_SET_REGS drops a pending exception.
// - special registers before the events: KVM_SET_SREGS queues the interrupt its interrupt_bitmap
//   names, while the events hold the exact injected interrupt, exception and NMI state.
// - special registers before the local APIC: KVM_SET_SREGS sets the APIC base MSR, whose enable and
//   x2APIC bits decide how KVM_SET_LAPIC reads the registers (the APIC ID above all).
// - local APIC before the MSRs: KVM ignores a write of MSR_IA32_TSC_DEADLINE unless the APIC is
//   enabled and its timer is in TSC-deadline mode (kvm_set_lapic_tscdeadline_msr).
// - the events last, so that nothing above clears or replaces them.
// KVM on AMD reports TR as a busy TSS whatever the VMCB holds (svm.c, svm_get_segment: "the busy
// flag in the tr selector isn't exposed"), and the VMCB holds what the guest's LTR loaded: an
// available one. Given back busy, the TR differs from the guest's own: real AMD CPUs do not mind,
// but QEMU's emulation of one (the nested-KVM test VM) then refuses every port access of user space
// (its check_io() wants type 9), so init's exit status never arrives. Intel's VM entry requires a
// busy TSS (SDM Vol. 3C, "Checks on Guest Segment Registers"), so only AMD gets the type back.
static kvm_sregs sregs_for_this_host(kvm_sregs sregs)
{
    static const bool amd = [] {
        unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
        __get_cpuid(0, &eax, &ebx, &ecx, &edx);
        return ebx == 0x68747541 && edx == 0x69746e65 && ecx == 0x444d4163; // "AuthenticAMD"
    }();
    constexpr uint8_t kTssBusy = 0x2;
    if (amd && sregs.tr.type == (0x9 | kTssBusy))
        sregs.tr.type = 0x9;
    return sregs;
}

Result<void> KvmVcpu::restore_state(const VcpuState& state) const
{
    TRY(set_state(m_fd.get(), KVM_SET_MP_STATE, state.mp_state, "KVM_SET_MP_STATE"));
    TRY(set_regs(state.regs));
    TRY(set_sregs(sregs_for_this_host(state.sregs)));
    if (auto* xsave = std::get_if<XsaveImage>(&state.fpu))
        TRY(set_xsave(*xsave));
    else
        TRY(set_state(m_fd.get(), KVM_SET_FPU, std::get<kvm_fpu>(state.fpu), "KVM_SET_FPU"));
    if (state.xcrs) {
        if (!m_has_xcrs)
            return make_error("the saved vCPU has XCRs, and this host's KVM cannot set them (no KVM_CAP_XCRS)");
        TRY(set_state(m_fd.get(), KVM_SET_XCRS, *state.xcrs, "KVM_SET_XCRS"));
    }
    TRY(set_state(m_fd.get(), KVM_SET_DEBUGREGS, state.debugregs, "KVM_SET_DEBUGREGS"));
    TRY(set_lapic(state.lapic));
    auto written = TRY(write_msrs(state.msrs));
    if (written < state.msrs.size())
        return make_error("KVM_SET_MSRS on vCPU {} wrote {} of {} MSRs: it refused MSR {:#x} = {:#x}", m_index, written, state.msrs.size(), state.msrs[written].index, state.msrs[written].data);
    TRY(set_state(m_fd.get(), KVM_SET_VCPU_EVENTS, state.events, "KVM_SET_VCPU_EVENTS"));
    return {};
}

}
