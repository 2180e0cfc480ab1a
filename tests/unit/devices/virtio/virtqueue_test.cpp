// Hostile rings and descriptor chains, driven through the transport with the entropy device (the
// simplest consumer): every case must leave the VMM standing, with an error status or
// DEVICE_NEEDS_RESET, and nothing written outside the buffers the chain described.
#include "devices/virtio/rng_device.h"
#include "tests/unit/devices/virtio/fake_driver.h"

#include <gtest/gtest.h>

using namespace vmlet;
using namespace vmlet::virtio;
using namespace vmlet::virtio::testing;

namespace {

class HostileRing : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_EQ(driver.initialise(kModern | feature(kFeatureIndirectDesc)), kLiveStatus); }
    bool needs_reset() { return driver.read_register(mmio::kStatusReg) & kStatusNeedsReset; }

    RngDevice rng;
    FakeDriver driver { rng };
};

}

TEST_F(HostileRing, GoodChainIsFilled)
{
    auto buffer = driver.writable(32, 0);
    auto head = driver.add_chain(0, { buffer });
    driver.kick(0);
    auto used = driver.take_used(0);
    ASSERT_EQ(used.size(), 1u);
    EXPECT_EQ(used[0].id, head);
    EXPECT_EQ(used[0].length, 32u);
    EXPECT_NE(driver.bytes(buffer.address, 32), std::vector<uint8_t>(32, 0));
    EXPECT_FALSE(needs_reset());
}

TEST_F(HostileRing, ManyChainsAcrossTheRingWrap)
{
    for (int round = 0; round < 40; ++round) {
        driver.add_chain(0, { driver.writable(4) });
        driver.kick(0);
        ASSERT_EQ(driver.take_used(0).size(), 1u) << "round " << round;
    }
    EXPECT_FALSE(needs_reset());
}

TEST_F(HostileRing, BufferOutsideRam)
{
    driver.add_chain(0, { { FakeDriver::kRamSize - 8, 16, true } });
    driver.kick(0);
    EXPECT_TRUE(needs_reset());
    EXPECT_TRUE(driver.take_used(0).empty());
}

TEST_F(HostileRing, BufferAddressThatWrapsAround)
{
    driver.add_chain(0, { { UINT64_MAX - 4, 64, true } });
    driver.kick(0);
    EXPECT_TRUE(needs_reset());
}

TEST_F(HostileRing, HugeLength)
{
    driver.add_chain(0, { { FakeDriver::kBuffersBase, UINT32_MAX, true } });
    driver.kick(0);
    EXPECT_TRUE(needs_reset());
}

TEST_F(HostileRing, ChainThatLoops)
{
    auto buffer = driver.writable(8);
    driver.write_descriptor(0, 0, buffer.address, 8, kDescWrite | kDescNext, 1);
    driver.write_descriptor(0, 1, buffer.address, 8, kDescWrite | kDescNext, 0);
    driver.make_available(0, 0);
    driver.kick(0);
    EXPECT_TRUE(needs_reset());
}

TEST_F(HostileRing, SelfLoop)
{
    auto buffer = driver.writable(8);
    driver.write_descriptor(0, 3, buffer.address, 8, kDescWrite | kDescNext, 3);
    driver.make_available(0, 3);
    driver.kick(0);
    EXPECT_TRUE(needs_reset());
}

TEST_F(HostileRing, NextIndexOutsideTheTable)
{
    auto buffer = driver.writable(8);
    driver.write_descriptor(0, 0, buffer.address, 8, kDescWrite | kDescNext, 999);
    driver.make_available(0, 0);
    driver.kick(0);
    EXPECT_TRUE(needs_reset());
}

TEST_F(HostileRing, HeadIndexOutsideTheTable)
{
    driver.make_available(0, 16);
    driver.kick(0);
    EXPECT_TRUE(needs_reset());
}

TEST_F(HostileRing, AvailableIndexFarAhead)
{
    driver.set_avail_index(0, 1000);
    driver.kick(0);
    EXPECT_TRUE(needs_reset());
    EXPECT_TRUE(driver.take_used(0).empty());
}

TEST_F(HostileRing, ReadableAfterWritable)
{
    auto space = driver.writable(8);
    auto data = driver.readable(std::vector<uint8_t>(8, 1));
    driver.add_chain(0, { space, data });
    driver.kick(0);
    EXPECT_TRUE(needs_reset());
}

TEST_F(HostileRing, ReadOnlyBufferIsNeverWritten)
{
    // The entropy device only fills writable buffers; a chain of readable ones gets nothing.
    auto data = driver.readable(std::vector<uint8_t>(16, 0x5a));
    driver.add_chain(0, { data });
    driver.kick(0);
    auto used = driver.take_used(0);
    ASSERT_EQ(used.size(), 1u);
    EXPECT_EQ(used[0].length, 0u);
    EXPECT_EQ(driver.bytes(data.address, 16), std::vector<uint8_t>(16, 0x5a));
}

TEST_F(HostileRing, IndirectTableIsFollowed)
{
    auto buffer = driver.writable(16, 0);
    uint64_t table = FakeDriver::kBuffersBase + 0x10000;
    driver.write_descriptor_at(table, buffer.address, 16, kDescWrite, 0);
    driver.write_descriptor(0, 0, table, 16, kDescIndirect, 0);
    driver.make_available(0, 0);
    driver.kick(0);
    auto used = driver.take_used(0);
    ASSERT_EQ(used.size(), 1u);
    EXPECT_EQ(used[0].length, 16u);
}

TEST_F(HostileRing, IndirectTableWithBadLength)
{
    driver.write_descriptor(0, 0, FakeDriver::kBuffersBase, 15, kDescIndirect, 0);
    driver.make_available(0, 0);
    driver.kick(0);
    EXPECT_TRUE(needs_reset());
}

TEST_F(HostileRing, IndirectTableThatLoops)
{
    uint64_t table = FakeDriver::kBuffersBase;
    uint64_t address = FakeDriver::kBuffersBase + 0x1000;
    driver.write_descriptor_at(table, address, 8, kDescWrite | kDescNext, 1);
    driver.write_descriptor_at(table + 16, address, 8, kDescWrite | kDescNext, 0);
    driver.write_descriptor(0, 0, table, 32, kDescIndirect, 0);
    driver.make_available(0, 0);
    driver.kick(0);
    EXPECT_TRUE(needs_reset());
}

TEST_F(HostileRing, NestedIndirectTable)
{
    uint64_t table = FakeDriver::kBuffersBase;
    driver.write_descriptor_at(table, table, 16, kDescIndirect, 0);
    driver.write_descriptor(0, 0, table, 16, kDescIndirect, 0);
    driver.make_available(0, 0);
    driver.kick(0);
    EXPECT_TRUE(needs_reset());
}

TEST_F(HostileRing, IndirectTableOutsideRam)
{
    driver.write_descriptor(0, 0, FakeDriver::kRamSize - 16, 32, kDescIndirect, 0);
    driver.make_available(0, 0);
    driver.kick(0);
    EXPECT_TRUE(needs_reset());
}

TEST_F(HostileRing, ResetRecoversTheDevice)
{
    driver.make_available(0, 99);
    driver.kick(0);
    ASSERT_TRUE(needs_reset());
    ASSERT_EQ(driver.initialise(kModern), kLiveStatus);
    driver.add_chain(0, { driver.writable(4) });
    driver.kick(0);
    EXPECT_EQ(driver.take_used(0).size(), 1u);
}

TEST(Virtqueue, IndirectWithoutTheFeatureIsRefused)
{
    RngDevice rng;
    FakeDriver driver(rng);
    ASSERT_EQ(driver.initialise(kModern), kLiveStatus);
    driver.write_descriptor(0, 0, FakeDriver::kBuffersBase, 16, kDescIndirect, 0);
    driver.make_available(0, 0);
    driver.kick(0);
    EXPECT_TRUE(driver.read_register(mmio::kStatusReg) & kStatusNeedsReset);
}

TEST(Virtqueue, EventIndexSuppressesInterruptsUntilAsked)
{
    RngDevice rng;
    FakeDriver driver(rng);
    ASSERT_EQ(driver.initialise(kModern | feature(kFeatureEventIdx)), kLiveStatus);
    // used_event (after the avail ring) = 2: interrupt only once the used index passes 2.
    driver.write16(FakeDriver::avail(0) + 4 + 2 * 16, 2);
    std::vector<uint64_t> interrupts;
    for (int round = 0; round < 4; ++round) {
        driver.add_chain(0, { driver.writable(4) });
        driver.kick(0);
        interrupts.push_back(driver.interrupts());
    }
    // The first completion always interrupts; then none until used index 3 (event 2 passed).
    EXPECT_EQ(interrupts, (std::vector<uint64_t> { 1, 0, 1, 0 }));
    // avail_event tells the driver where the device will next look.
    EXPECT_EQ(driver.read16(FakeDriver::used(0) + 4 + 8 * 16), 4);
}
