#pragma once

#include "vmm/base/result.h"
#include "vmm/base/state_stream.h"

#include <linux/kvm.h>

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

namespace vmlet {

// The x87, SSE and AVX (and later) registers as KVM_GET_XSAVE2 returns them: the XSAVE layout of
// the host's CPUID leaf 0xD (api.rst 4.43), at least 4096 bytes, more once a dynamic feature such
// as AMX is enabled. A snapshot therefore restores only on a host whose CPU lays XSAVE out alike.
struct XsaveImage {
    std::vector<uint8_t> bytes;
};

// Everything KVM needs to resume one x86 vCPU exactly where it stopped, read with the vCPU outside
// KVM_RUN and its last exit completed (KvmVcpu::save_state). Its CPUID is not here: vmlet derives
// it again when it creates the vCPU (vmm/kvm/cpuid.h), before restoring this.
struct VcpuState {
    kvm_mp_state mp_state;
    kvm_regs regs;
    // Not KVM_GET_SREGS2's kvm_sregs2 (api.rst 4.131), which adds the four PDPTRs a guest in
    // 32-bit PAE paging has cached: vmlet's guests are saved in long mode, which has none, and
    // KVM_SET_SREGS is on every kernel.
    kvm_sregs sregs;
    // KVM_GET_XSAVE2 where the host has XSAVE (KVM_CAP_XSAVE); else KVM_GET_FPU's legacy x87 and
    // SSE image, all a guest of such a host can have.
    std::variant<XsaveImage, kvm_fpu> fpu;
    std::optional<kvm_xcrs> xcrs; // KVM_CAP_XCRS: XCR0, which states the guest enabled
    kvm_debugregs debugregs;
    kvm_lapic_state lapic;
    std::vector<kvm_msr_entry> msrs; // index and value; `reserved` is zero
    kvm_vcpu_events events;
};

// The byte form of a VcpuState (vmm/base/state_stream.h): KVM's structures byte for byte, a tag
// for the FPU form, the XCRs only if present, the MSRs as (index, value) pairs.
void write_vcpu_state(StateWriter& out, const VcpuState& state);
// Refuses a stream whose structures are not exactly the size this build's linux/kvm.h gives
// them, an unknown FPU tag, an XSAVE image outside [4096, 64 KiB] or more MSRs than KVM saves.
Result<VcpuState> read_vcpu_state(StateReader& in);

}
