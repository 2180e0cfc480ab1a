#include "vmm/bus/bus.h"

#include <gtest/gtest.h>

#include <vector>

namespace vmlet {

namespace {

struct RecordingDevice final : BusDevice {
    std::vector<std::pair<uint64_t, uint8_t>> writes;
    void read(uint64_t offset, std::span<uint8_t> data) override
    {
        for (auto& byte : data)
            byte = uint8_t(0x40 + offset);
    }
    void write(uint64_t offset, std::span<const uint8_t> data) override { writes.emplace_back(offset, data[0]); }
};

}

TEST(Bus, DispatchesWithOffsetsRelativeToTheDevice)
{
    Bus bus;
    RecordingDevice first;
    RecordingDevice second;
    ASSERT_TRUE(bus.insert(first, 0x3f8, 8).ok());
    ASSERT_TRUE(bus.insert(second, 0x60, 5).ok());
    uint8_t value = 0;
    EXPECT_TRUE(bus.read(0x3fd, std::span(&value, 1)));
    EXPECT_EQ(value, 0x45);
    uint8_t reset = 0xfe;
    EXPECT_TRUE(bus.write(0x64, std::span<const uint8_t>(&reset, 1)));
    ASSERT_EQ(second.writes.size(), 1u);
    EXPECT_EQ(second.writes[0], std::make_pair(uint64_t(4), uint8_t(0xfe)));
    EXPECT_TRUE(first.writes.empty());
}

TEST(Bus, UnclaimedAccessesReadAllOnesAndAccessesMustFitTheRange)
{
    Bus bus;
    RecordingDevice device;
    ASSERT_TRUE(bus.insert(device, 0x100, 4).ok());
    uint32_t value = 0;
    auto bytes = std::span(reinterpret_cast<uint8_t*>(&value), 4);
    EXPECT_FALSE(bus.read(0x80, bytes));
    EXPECT_EQ(value, 0xffffffffu);
    EXPECT_FALSE(bus.read(0x102, bytes)); // straddles the end of the device
    EXPECT_FALSE(bus.read(UINT64_MAX - 1, bytes));
    EXPECT_TRUE(bus.read(0x100, bytes));
}

TEST(Bus, RefusesOverlappingAndEmptyRanges)
{
    Bus bus;
    RecordingDevice device;
    ASSERT_TRUE(bus.insert(device, 0x100, 0x10).ok());
    EXPECT_FALSE(bus.insert(device, 0x10f, 1).ok());
    EXPECT_FALSE(bus.insert(device, 0xf0, 0x11).ok());
    EXPECT_FALSE(bus.insert(device, 0x200, 0).ok());
    EXPECT_FALSE(bus.insert(device, UINT64_MAX, 2).ok());
    EXPECT_TRUE(bus.insert(device, 0x110, 1).ok());
}

}
