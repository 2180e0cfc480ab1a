#include "vmm/kvm/snapshot_capabilities.h"

namespace vmlet {

namespace {

struct Requirement {
    long capability;
    const char* name;
};

// Each guards ioctls that VcpuState or VmPlatformState cannot do without (api.rst 4.26-4.39,
// 4.72): a missing one would lose state a guest depends on.
constexpr Requirement kRequirements[] = {
    { KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },           // KVM_GET/SET_IRQCHIP and _LAPIC
    { KVM_CAP_PIT_STATE2, "KVM_CAP_PIT_STATE2" },     // KVM_GET/SET_PIT2
    { KVM_CAP_ADJUST_CLOCK, "KVM_CAP_ADJUST_CLOCK" }, // KVM_GET/SET_CLOCK
    { KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE" },         // a halted or waiting-for-SIPI vCPU
    { KVM_CAP_VCPU_EVENTS, "KVM_CAP_VCPU_EVENTS" },   // pending exceptions, interrupts and NMIs
    { KVM_CAP_DEBUGREGS, "KVM_CAP_DEBUGREGS" },       // DR0-DR3, DR6, DR7
};

}

Result<void> check_snapshot_support(const KvmSystem& system)
{
    for (const auto& requirement : kRequirements) {
        if (system.check_extension(requirement.capability) <= 0)
            return make_error("this KVM cannot save or restore VMs: it lacks {}", requirement.name);
    }
    return {};
}

}
