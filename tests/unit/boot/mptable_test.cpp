#include "boot/mptable.h"

#include <gtest/gtest.h>

#include <cstring>
#include <numeric>

namespace vmlet {

static uint8_t byte_sum(std::span<const uint8_t> bytes)
{
    return std::accumulate(bytes.begin(), bytes.end(), uint8_t(0), [](uint8_t a, uint8_t b) { return uint8_t(a + b); });
}

TEST(MpTable, DescribesEveryCpuWithValidChecksums)
{
    auto memory = GuestMemory::create({ { GuestAddress(0), 0x100000 } }, MemoryBacking::Plain).release_value();
    auto size = write_mptable(memory, 0xf0000, 4);
    ASSERT_TRUE(size.ok());
    auto table = memory.span(GuestAddress(0xf0000), size.value()).value();

    EXPECT_EQ(0, std::memcmp(table.data(), "_MP_", 4));
    EXPECT_EQ(byte_sum(table.subspan(0, 16)), 0);
    uint32_t config_address;
    std::memcpy(&config_address, table.data() + 4, 4);
    EXPECT_EQ(config_address, 0xf0010u);

    auto config = table.subspan(16);
    EXPECT_EQ(0, std::memcmp(config.data(), "PCMP", 4));
    uint16_t length;
    uint16_t entries;
    std::memcpy(&length, config.data() + 4, 2);
    std::memcpy(&entries, config.data() + 34, 2);
    EXPECT_EQ(length, config.size());
    EXPECT_EQ(byte_sum(config), 0);
    EXPECT_EQ(entries, 4 + 1 + 1 + kIoApicPins + 2);

    // Processor entries: APIC IDs 0..3, enabled, only the first is the bootstrap processor.
    for (uint8_t cpu = 0; cpu < 4; ++cpu) {
        auto entry = config.subspan(44 + cpu * 20, 20);
        EXPECT_EQ(entry[0], 0);
        EXPECT_EQ(entry[1], cpu);
        EXPECT_EQ(entry[3], cpu == 0 ? 3 : 1);
    }
    auto io_apic = config.subspan(44 + 4 * 20 + 8, 8);
    EXPECT_EQ(io_apic[0], 2);
    EXPECT_EQ(io_apic[1], 4); // the I/O APIC takes the ID after the CPUs
}

TEST(MpTable, RefusesCpuCountsItCannotDescribe)
{
    auto memory = GuestMemory::create({ { GuestAddress(0), 0x100000 } }, MemoryBacking::Plain).release_value();
    EXPECT_FALSE(write_mptable(memory, 0xf0000, 0).ok());
    EXPECT_FALSE(write_mptable(memory, 0xf0000, kMaxMpTableCpus + 1).ok());
    EXPECT_TRUE(write_mptable(memory, 0xf0000, kMaxMpTableCpus).ok());
    EXPECT_FALSE(write_mptable(memory, 0xff000, kMaxMpTableCpus).ok()); // runs past guest memory
}

}
