#include "devices/virtio/rng_device.h"
#include "tests/unit/devices/virtio/fake_driver.h"

#include <gtest/gtest.h>

using namespace vmlet;
using namespace vmlet::virtio;
using namespace vmlet::virtio::testing;

TEST(RngDevice, FillsBuffersSplitAcrossDescriptorsWithDistinctBytes)
{
    RngDevice rng;
    FakeDriver driver(rng);
    ASSERT_EQ(driver.initialise(kModern), kLiveStatus);
    auto first = driver.writable(64, 0);
    auto second = driver.writable(64, 0);
    driver.add_chain(0, { first, second });
    driver.kick(0);
    auto used = driver.take_used(0);
    ASSERT_EQ(used.size(), 1u);
    EXPECT_EQ(used[0].length, 128u);
    EXPECT_NE(driver.bytes(first.address, 64), driver.bytes(second.address, 64));
    EXPECT_NE(driver.bytes(second.address, 64), std::vector<uint8_t>(64, 0));
}

TEST(RngDevice, LargeRequestIsCapped)
{
    RngDevice rng;
    FakeDriver driver(rng);
    ASSERT_EQ(driver.initialise(kModern), kLiveStatus);
    driver.add_chain(0, { driver.writable(1 << 20) });
    driver.kick(0);
    auto used = driver.take_used(0);
    ASSERT_EQ(used.size(), 1u);
    EXPECT_EQ(used[0].length, 64u * 1024);
}
