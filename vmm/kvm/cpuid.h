#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <vector>

namespace vmlet {

enum class GuestHypercalls {
    Available,
    // PVM hosts cannot run guest hypercalls (shared/ENVIRONMENT.md, SMP): hide the KVM paravirtual
    // features that are built on them.
    Hidden,
};

// The CPUID table for vCPU `index` of `count`, from what KVM supports: the vCPU's own APIC ID in
// leaves 0x1 and 0xb, and the hypercall-based paravirtual features removed when asked.
std::vector<kvm_cpuid_entry2> vcpu_cpuid(std::vector<kvm_cpuid_entry2> supported, uint32_t index, uint32_t count, GuestHypercalls hypercalls);

}
