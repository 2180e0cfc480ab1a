#include "devices/virtio/rng_device.h"
#include "tests/unit/devices/virtio/fake_driver.h"

#include <gtest/gtest.h>

using namespace vmlet;
using namespace vmlet::virtio;
using namespace vmlet::virtio::testing;

TEST(MmioTransport, IdentifiesAsModernVirtioMmio)
{
    RngDevice rng;
    FakeDriver driver(rng);
    EXPECT_EQ(driver.read_register(mmio::kMagicValue), 0x74726976u);
    EXPECT_EQ(driver.read_register(mmio::kVersionReg), 2u);
    EXPECT_EQ(driver.read_register(mmio::kDeviceId), uint32_t(kEntropyDevice));
    auto features = driver.device_features();
    EXPECT_TRUE(features & feature(kFeatureVersion1));
    EXPECT_TRUE(features & feature(kFeatureEventIdx));
    driver.write_register(mmio::kQueueSel, 0);
    EXPECT_EQ(driver.read_register(mmio::kQueueNumMax), RngDevice::kQueueSize);
    driver.write_register(mmio::kQueueSel, 1);
    EXPECT_EQ(driver.read_register(mmio::kQueueNumMax), 0u) << "queues that do not exist read as size 0";
}

TEST(MmioTransport, NegotiatesAndGoesLive)
{
    RngDevice rng;
    FakeDriver driver(rng);
    EXPECT_EQ(driver.initialise(kModern), kLiveStatus);
    EXPECT_TRUE(rng.active());
}

TEST(MmioTransport, RefusesFeaturesItDidNotOffer)
{
    RngDevice rng;
    FakeDriver driver(rng);
    auto status = driver.initialise(kModern | feature(40));
    EXPECT_FALSE(status & kStatusFeaturesOk);
    EXPECT_FALSE(status & kStatusDriverOk);
    EXPECT_FALSE(rng.active());
}

TEST(MmioTransport, RefusesLegacyDriversWithoutVersion1)
{
    RngDevice rng;
    FakeDriver driver(rng);
    EXPECT_FALSE(driver.initialise(0) & kStatusFeaturesOk);
}

TEST(MmioTransport, IgnoresStatusWritesThatClearBits)
{
    RngDevice rng;
    FakeDriver driver(rng);
    driver.initialise(kModern);
    driver.write_register(mmio::kStatusReg, kStatusAcknowledge);
    EXPECT_EQ(driver.read_register(mmio::kStatusReg), kLiveStatus);
}

TEST(MmioTransport, ResetReturnsToTheInitialState)
{
    RngDevice rng;
    FakeDriver driver(rng);
    driver.initialise(kModern);
    driver.write_register(mmio::kStatusReg, 0);
    EXPECT_EQ(driver.read_register(mmio::kStatusReg), 0u);
    EXPECT_FALSE(rng.active());
    driver.write_register(mmio::kQueueSel, 0);
    EXPECT_EQ(driver.read_register(mmio::kQueueReady), 0u);
}

TEST(MmioTransport, UnalignedAndNarrowRegisterAccessesAreHarmless)
{
    RngDevice rng;
    FakeDriver driver(rng);
    uint8_t byte = 0xff;
    driver.transport->write(mmio::kStatusReg, std::span(&byte, 1));
    uint8_t wide[8] = {};
    driver.transport->read(mmio::kMagicValue + 1, std::span(wide, 4));
    EXPECT_EQ(driver.read_register(mmio::kStatusReg), 0u);
    EXPECT_EQ(wide[0], 0);
    // Far beyond any register or config field: reads zero, writes ignored.
    driver.transport->write(0xffffffffull, std::span(wide, 8));
    driver.transport->read(0xfffffff0ull, std::span(wide, 8));
    EXPECT_EQ(wide[0], 0);
}

TEST(MmioTransport, BadQueueSizeNeedsReset)
{
    RngDevice rng;
    FakeDriver driver(rng);
    EXPECT_TRUE(driver.initialise(kModern, 12) & kStatusNeedsReset) << "12 is not a power of two";
    EXPECT_FALSE(rng.active());
}

TEST(MmioTransport, QueueTooLargeNeedsReset)
{
    RngDevice rng;
    FakeDriver driver(rng);
    EXPECT_TRUE(driver.initialise(kModern, 1024) & kStatusNeedsReset);
}

TEST(MmioTransport, RingsOutsideRamNeedReset)
{
    RngDevice rng;
    FakeDriver driver(rng);
    driver.write_register(mmio::kStatusReg, kStatusAcknowledge | kStatusDriver);
    driver.write_register(mmio::kDriverFeaturesSel, 1);
    driver.write_register(mmio::kDriverFeatures, 1);
    driver.write_register(mmio::kStatusReg, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
    driver.setup_queue(0, 16);
    driver.write_register(mmio::kQueueReady, 0);
    driver.write_register(mmio::kQueueDeviceHigh, 0xffffffff); // used ring far above RAM
    driver.write_register(mmio::kQueueReady, 1);
    driver.write_register(mmio::kStatusReg, kLiveStatus);
    EXPECT_TRUE(driver.read_register(mmio::kStatusReg) & kStatusNeedsReset);
    EXPECT_FALSE(rng.active());
    EXPECT_EQ(driver.interrupts(), 1u) << "a configuration change interrupt tells the driver";
    EXPECT_EQ(driver.read_register(mmio::kInterruptStatus), mmio::kInterruptConfigChange);
}

TEST(MmioTransport, QueueConfigurationIsFixedOnceLive)
{
    RngDevice rng;
    FakeDriver driver(rng);
    driver.initialise(kModern);
    driver.write_register(mmio::kQueueSel, 0);
    driver.write_register(mmio::kQueueDescLow, 0xdead0000);
    driver.write_register(mmio::kQueueNum, 1000);
    auto used = driver.writable(8);
    driver.add_chain(0, { used });
    driver.kick(0);
    EXPECT_EQ(driver.take_used(0).size(), 1u);
}

TEST(MmioTransport, InterruptStatusIsAcknowledged)
{
    RngDevice rng;
    FakeDriver driver(rng);
    driver.initialise(kModern);
    driver.add_chain(0, { driver.writable(8) });
    driver.kick(0);
    EXPECT_EQ(driver.interrupts(), 1u);
    EXPECT_EQ(driver.read_register(mmio::kInterruptStatus), mmio::kInterruptUsedBuffer);
    driver.write_register(mmio::kInterruptAck, mmio::kInterruptUsedBuffer);
    EXPECT_EQ(driver.read_register(mmio::kInterruptStatus), 0u);
}

TEST(MmioTransport, NotifyForAQueueThatDoesNotExistIsIgnored)
{
    RngDevice rng;
    FakeDriver driver(rng);
    driver.initialise(kModern);
    driver.write_register(mmio::kQueueNotify, 7);
    driver.write_register(mmio::kQueueNotify, 0xffffffff);
    driver.transport->process_notify(7);
    EXPECT_EQ(driver.read_register(mmio::kStatusReg), kLiveStatus);
}
