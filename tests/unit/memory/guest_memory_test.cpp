#include "vmm/memory/guest_memory.h"

#include <gtest/gtest.h>

namespace vmlet {

static GuestMemory two_regions()
{
    auto memory = GuestMemory::create({ { GuestAddress(0), 0x10000 }, { GuestAddress(0x100000), 0x10000 } }, MemoryBacking::Plain);
    EXPECT_TRUE(memory.ok());
    return memory.release_value();
}

TEST(GuestMemory, ReadsBackWhatWasWritten)
{
    auto memory = two_regions();
    ASSERT_TRUE(memory.write_object(GuestAddress(0x100ff8), uint64_t(0x1122334455667788)).ok());
    auto value = memory.read_object<uint64_t>(GuestAddress(0x100ff8));
    ASSERT_TRUE(value.ok());
    EXPECT_EQ(value.value(), 0x1122334455667788u);
    EXPECT_EQ(memory.total_size(), 0x20000u);
}

TEST(GuestMemory, RejectsRangesOutsideOrAcrossRegions)
{
    auto memory = two_regions();
    EXPECT_TRUE(memory.span(GuestAddress(0xfff0), 0x10).ok());
    EXPECT_FALSE(memory.span(GuestAddress(0xfff0), 0x11).ok());     // runs past the first region
    EXPECT_FALSE(memory.span(GuestAddress(0x10000), 1).ok());       // in the hole
    EXPECT_FALSE(memory.span(GuestAddress(0xfff8), 0xf0010).ok());  // spans the hole into region 2
    EXPECT_FALSE(memory.span(GuestAddress(0x110000), 1).ok());      // past the end
    EXPECT_FALSE(memory.span(GuestAddress(UINT64_MAX - 1), 4).ok()); // wraps around
    EXPECT_FALSE(memory.write_object(GuestAddress(0x10000 - 4), uint64_t(1)).ok());
    EXPECT_FALSE(memory.fill(GuestAddress(0), 0, 0x10001).ok());
}

TEST(GuestMemory, RejectsBadLayouts)
{
    EXPECT_FALSE(GuestMemory::create({ { GuestAddress(0), 0x1001 } }, MemoryBacking::Plain).ok());
    EXPECT_FALSE(GuestMemory::create({ { GuestAddress(0), 0x2000 }, { GuestAddress(0x1000), 0x1000 } }, MemoryBacking::Plain).ok());
    EXPECT_FALSE(GuestMemory::create({ { GuestAddress(UINT64_MAX & ~0xfffull), 0x2000 } }, MemoryBacking::Plain).ok());
}

TEST(GuestMemory, EveryBackingGivesZeroedMemory)
{
    for (auto backing : { MemoryBacking::Plain, MemoryBacking::HugePages, MemoryBacking::Populate }) {
        auto memory = GuestMemory::create({ { GuestAddress(0), 0x400000 } }, backing);
        ASSERT_TRUE(memory.ok());
        EXPECT_EQ(memory.value().read_object<uint64_t>(GuestAddress(0x3ffff8)).value(), 0u);
    }
}

}
