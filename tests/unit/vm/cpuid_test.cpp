#include "vmm/kvm/cpuid.h"
#include "vmm/kvm/cpuid_buffer.h"

#include <cstring>

#include <gtest/gtest.h>

namespace vmlet {

static kvm_cpuid_entry2 leaf(uint32_t function, uint32_t index, uint32_t eax, uint32_t ebx)
{
    kvm_cpuid_entry2 entry {};
    entry.function = function;
    entry.index = index;
    entry.eax = eax;
    entry.ebx = ebx;
    return entry;
}

TEST(Cpuid, GivesEachVcpuItsApicIdAndTopology)
{
    std::vector<kvm_cpuid_entry2> supported { leaf(0x1, 0, 0x806f8, 0xff000800), leaf(0xb, 0, 0, 0), leaf(0xb, 1, 0, 0) };
    auto entries = vcpu_cpuid(supported, 3, 4, GuestHypercalls::Available);
    EXPECT_EQ(entries[0].ebx >> 24, 3u);
    EXPECT_EQ((entries[0].ebx >> 16) & 0xff, 4u);
    EXPECT_EQ(entries[0].ebx & 0xffff, 0x0800u);
    EXPECT_TRUE(entries[0].ecx & (1u << 31)); // hypervisor present
    EXPECT_EQ(entries[1].edx, 3u);
    EXPECT_EQ(entries[2].ebx, 4u);
    EXPECT_EQ(entries[2].eax, 2u); // two bits of core ID
}

TEST(Cpuid, HidesHypercallFeaturesWhenAsked)
{
    std::vector<kvm_cpuid_entry2> supported { leaf(0x40000001, 0, 0xffffffff, 0) };
    auto kept = vcpu_cpuid(supported, 0, 1, GuestHypercalls::Available);
    EXPECT_EQ(kept[0].eax, 0xffffffffu);
    auto hidden = vcpu_cpuid(supported, 0, 1, GuestHypercalls::Hidden);
    EXPECT_EQ(hidden[0].eax & ((1u << 7) | (1u << 9) | (1u << 11) | (1u << 13)), 0u);
    EXPECT_EQ(hidden[0].eax & 1u, 1u); // kvmclock stays
}

}

namespace vmlet {

TEST(CpuidBuffer, UsesTheCLayoutKvmExpects)
{
    EXPECT_EQ(_IOC_SIZE(kKvmGetSupportedCpuid), 8u);
    EXPECT_EQ(_IOC_SIZE(kKvmSetCpuid2), 8u);
    std::vector<kvm_cpuid_entry2> entries(2);
    entries[1].function = 0x40000001;
    CpuidBuffer buffer(entries);
    auto* bytes = static_cast<const uint8_t*>(buffer.data());
    uint32_t count;
    uint32_t function;
    std::memcpy(&count, bytes, 4);
    std::memcpy(&function, bytes + 8 + sizeof(kvm_cpuid_entry2), 4);
    EXPECT_EQ(count, 2u);
    EXPECT_EQ(function, 0x40000001u); // entries start right after the 8-byte header
    EXPECT_EQ(buffer.entries()[1].function, 0x40000001u);
}

TEST(CpuidBuffer, NeverReadsMoreEntriesThanItHolds)
{
    CpuidBuffer buffer(4);
    uint32_t lie = 1000;
    std::memcpy(buffer.data(), &lie, 4);
    EXPECT_EQ(buffer.entries().size(), 4u);
}

}

namespace vmlet {

// KVM hands out leaf 0x1f with the x2APIC ID of whichever host CPU answered: the guest gets its
// own in leaves 0xb and 0x1f alike, whatever the host's was, so that every run's CPUID is the same.
TEST(Cpuid, ExtendedTopologyV2CarriesTheVcpusOwnId)
{
    auto host_leaf = [](uint32_t index, uint32_t host_apic_id) {
        auto entry = leaf(0x1f, index, 0, 0);
        entry.edx = host_apic_id;
        return entry;
    };
    auto one = vcpu_cpuid({ host_leaf(0, 5), host_leaf(1, 5) }, 1, 2, GuestHypercalls::Available);
    auto two = vcpu_cpuid({ host_leaf(0, 0), host_leaf(1, 0) }, 1, 2, GuestHypercalls::Available);
    EXPECT_EQ(one[0].edx, 1u);
    EXPECT_EQ(one[1].edx, 1u);
    EXPECT_EQ(std::memcmp(one.data(), two.data(), one.size() * sizeof(kvm_cpuid_entry2)), 0);
}

}
