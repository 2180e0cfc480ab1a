#include "vmm/kvm/vm_state.h"

#include <gtest/gtest.h>

#include <cstring>

namespace vmlet {

namespace {

VmPlatformState sample_state()
{
    VmPlatformState state {};
    state.pic_master.chip_id = kIrqchipPicMaster;
    state.pic_master.chip.pic.imr = 0xfb;
    state.pic_slave.chip_id = kIrqchipPicSlave;
    state.pic_slave.chip.pic.irq_base = 0x28;
    state.ioapic.chip_id = kIrqchipIoapic;
    state.ioapic.chip.ioapic.base_address = 0xfec00000;
    state.ioapic.chip.ioapic.redirtbl[4].bits = 0x10024;
    state.pit.channels[0].count = 0x2e9c;
    state.pit.channels[0].mode = 2;
    state.pit.flags = KVM_PIT_FLAGS_SPEAKER_DATA_ON;
    state.clock.clock = 123456789012;
    state.clock.flags = KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME;
    state.clock.realtime = 1765000000000000000;
    return state;
}

std::vector<uint8_t> bytes_of(const VmPlatformState& state)
{
    StateWriter writer;
    write_platform_state(writer, state);
    return writer.data();
}

// A raw structure in the stream is a u32 length, then its bytes.
constexpr size_t kSlaveOffset = 4 + sizeof(kvm_irqchip);
constexpr size_t kIoapicOffset = kSlaveOffset + 4 + sizeof(kvm_irqchip);

}

TEST(VmPlatformState, RoundTrips)
{
    auto state = sample_state();
    auto bytes = bytes_of(state);
    StateReader reader(bytes, "platform");
    auto back = read_platform_state(reader);
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_TRUE(reader.at_end());
    EXPECT_EQ(std::memcmp(&state, &back.value(), sizeof(state)), 0);
}

TEST(VmPlatformState, EveryTruncationIsRefused)
{
    auto bytes = bytes_of(sample_state());
    for (size_t size = 0; size < bytes.size(); ++size) {
        StateReader reader(std::span<const uint8_t>(bytes).first(size), "platform");
        ASSERT_FALSE(read_platform_state(reader).ok()) << "accepted " << size << " of " << bytes.size() << " bytes";
    }
}

TEST(VmPlatformState, AChipSavedAsAnotherIsRefused)
{
    auto bytes = bytes_of(sample_state());
    // The I/O APIC's chip_id, the first field of its kvm_irqchip, altered to the master PIC's.
    bytes[kIoapicOffset + 4] = uint8_t(kIrqchipPicMaster);
    StateReader reader(bytes, "platform");
    auto back = read_platform_state(reader);
    ASSERT_FALSE(back.ok());
    EXPECT_EQ(back.error().message(), "platform: 'I/O APIC' is chip 0, not 2");
}

TEST(VmPlatformState, AStructureOfAnotherSizeIsRefused)
{
    static_assert(sizeof(kvm_irqchip) % 256 != 0, "one less only changes the length's low byte");
    auto bytes = bytes_of(sample_state());
    bytes[kSlaveOffset] = uint8_t(sizeof(kvm_irqchip) - 1);
    StateReader reader(bytes, "platform");
    auto back = read_platform_state(reader);
    ASSERT_FALSE(back.ok());
    EXPECT_EQ(back.error().message(), fmt::format("platform: 'slave PIC' is {} bytes, not {}", sizeof(kvm_irqchip) - 1, sizeof(kvm_irqchip)));
}

}
