#include "vmm/kvm/vcpu_state.h"

#include "vmm/kvm/kvm_abi.h"

namespace vmlet {

namespace {

enum class FpuForm : uint8_t {
    Legacy = 0, // kvm_fpu
    Xsave = 1,  // XsaveImage
};

// api.rst 4.43: an XSAVE image is at least 4096 bytes. 64 KiB is far above any CPU's XSAVE area
// today (11008 bytes with AMX) and bounds what an altered file can make vmlet allocate.
constexpr size_t kMinXsaveSize = sizeof(XsaveRegion);
constexpr size_t kMaxXsaveSize = 64 * 1024;
// KVM_GET_MSR_INDEX_LIST lists a few dozen MSRs (41 on the PVM development host, a hundred or so
// with a full PMU): a bound for altered files, not a limit KVM sets.
constexpr uint32_t kMaxSavedMsrs = 1024;

}

void write_vcpu_state(StateWriter& out, const VcpuState& state)
{
    out.raw(state.mp_state);
    out.raw(state.regs);
    out.raw(state.sregs);
    if (auto* xsave = std::get_if<XsaveImage>(&state.fpu)) {
        out.u8(uint8_t(FpuForm::Xsave));
        out.bytes(xsave->bytes);
    } else {
        out.u8(uint8_t(FpuForm::Legacy));
        out.raw(std::get<kvm_fpu>(state.fpu));
    }
    out.boolean(state.xcrs.has_value());
    if (state.xcrs)
        out.raw(*state.xcrs);
    out.raw(state.debugregs);
    out.raw(state.lapic);
    out.u32(uint32_t(state.msrs.size()));
    for (const auto& msr : state.msrs) {
        out.u32(msr.index);
        out.u64(msr.data);
    }
    out.raw(state.events);
}

Result<VcpuState> read_vcpu_state(StateReader& in)
{
    VcpuState state {};
    state.mp_state = TRY(in.raw<kvm_mp_state>("mp state"));
    state.regs = TRY(in.raw<kvm_regs>("registers"));
    state.sregs = TRY(in.raw<kvm_sregs>("special registers"));
    auto form = TRY(in.u8("FPU form"));
    if (form == uint8_t(FpuForm::Xsave)) {
        auto bytes = TRY(in.bytes("XSAVE image", kMaxXsaveSize));
        if (bytes.size() < kMinXsaveSize)
            return in.failure("XSAVE image", fmt::format("is {} bytes, fewer than {}", bytes.size(), kMinXsaveSize));
        state.fpu = XsaveImage { { bytes.begin(), bytes.end() } };
    } else if (form == uint8_t(FpuForm::Legacy)) {
        state.fpu = TRY(in.raw<kvm_fpu>("FPU"));
    } else {
        return in.failure("FPU form", fmt::format("is {}, neither XSAVE nor legacy", form));
    }
    if (TRY(in.boolean("XCRs present")))
        state.xcrs = TRY(in.raw<kvm_xcrs>("XCRs"));
    state.debugregs = TRY(in.raw<kvm_debugregs>("debug registers"));
    state.lapic = TRY(in.raw<kvm_lapic_state>("local APIC"));
    auto count = TRY(in.u32("MSR count"));
    if (count > kMaxSavedMsrs)
        return in.failure("MSR count", fmt::format("is {}, more than {}", count, kMaxSavedMsrs));
    state.msrs.resize(count);
    for (auto& msr : state.msrs) {
        msr.index = TRY(in.u32("MSR index"));
        msr.data = TRY(in.u64("MSR value"));
    }
    state.events = TRY(in.raw<kvm_vcpu_events>("vCPU events"));
    return state;
}

}
