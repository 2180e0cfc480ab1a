#include "vmm/kvm/cpuid.h"

#include <bit>

namespace vmlet {

constexpr uint32_t kLeafFeatures = 0x1;
constexpr uint32_t kLeafTopology = 0xb;
constexpr uint32_t kLeafTopologyV2 = 0x1f;
constexpr uint32_t kLeafKvmFeatures = 0x40000001;
constexpr uint32_t kHypervisorBit = 1u << 31;

// Documentation/virt/kvm/x86/cpuid.rst: features that work through hypercalls.
constexpr uint32_t kKvmFeaturePvUnhalt = 1u << 7;
constexpr uint32_t kKvmFeaturePvTlbFlush = 1u << 9;
constexpr uint32_t kKvmFeaturePvSendIpi = 1u << 11;
constexpr uint32_t kKvmFeaturePvSchedYield = 1u << 13;
constexpr uint32_t kHypercallFeatures = kKvmFeaturePvUnhalt | kKvmFeaturePvTlbFlush | kKvmFeaturePvSendIpi | kKvmFeaturePvSchedYield;

std::vector<kvm_cpuid_entry2> vcpu_cpuid(std::vector<kvm_cpuid_entry2> entries, uint32_t index, uint32_t count, GuestHypercalls hypercalls)
{
    for (auto& entry : entries) {
        switch (entry.function) {
        case kLeafFeatures:
            // EBX[31:24] initial APIC ID, EBX[23:16] logical processors per package.
            entry.ebx = (entry.ebx & 0x0000ffff) | (index << 24) | ((count & 0xff) << 16);
            // KVM does not report the hypervisor bit, and Linux looks for KVM's signature leaf
            // (and so kvmclock) only when it is set (arch/x86/include/asm/kvm_para.h).
            entry.ecx |= kHypervisorBit;
            break;
        case kLeafTopology:
        case kLeafTopologyV2: {
            // Intel SDM CPUID leaves 0BH and 1FH: one thread per core, `count` cores in one
            // package. KVM passes the host's leaf through, EDX being the x2APIC ID of whichever
            // host CPU answered: the guest's must be its own, and the same on every run (a
            // snapshot's CPUID must match the restoring host's).
            entry.edx = index;
            if (entry.index == 0) {
                entry.eax = 0;
                entry.ebx = 1;
                entry.ecx = (1u << 8) | 0; // level 0 is the SMT level
            } else if (entry.index == 1) {
                entry.eax = count > 1 ? uint32_t(std::bit_width(count - 1)) : 0;
                entry.ebx = count;
                entry.ecx = (2u << 8) | 1; // level 1 is the core level
            } else {
                entry.eax = entry.ebx = 0;
                entry.ecx = entry.index;
            }
            break;
        }
        case kLeafKvmFeatures:
            if (hypercalls == GuestHypercalls::Hidden)
                entry.eax &= ~kHypercallFeatures;
            break;
        default:
            break;
        }
    }
    return entries;
}

}
