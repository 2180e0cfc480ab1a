// The virtio-mmio transport saved and restored into a fresh transport and device over a copy of
// the guest's RAM, with the entropy device (no state of its own): the registers read the same,
// the queues continue, and a state that is cut short or altered is refused with the transport
// left reset.
#include "devices/virtio/rng_device.h"
#include "tests/unit/devices/virtio/fake_driver.h"

#include <gtest/gtest.h>

using namespace vmlet;
using namespace vmlet::virtio;
using namespace vmlet::virtio::testing;

namespace {

constexpr uint64_t kNegotiated = kModern | feature(kFeatureEventIdx);

// Every register a driver reads, in the order it reads them.
std::vector<uint32_t> registers(FakeDriver& driver)
{
    std::vector<uint32_t> values;
    for (auto offset : { mmio::kDeviceId, mmio::kStatusReg, mmio::kInterruptStatus, mmio::kConfigGeneration })
        values.push_back(driver.read_register(offset));
    driver.write_register(mmio::kQueueSel, 0);
    values.push_back(driver.read_register(mmio::kQueueReady));
    values.push_back(driver.read_register(mmio::kQueueNumMax));
    return values;
}

uint16_t request(FakeDriver& driver) { return driver.add_chain(0, { driver.writable(16) }); }

}

TEST(MmioTransportState, LiveDeviceContinuesWhereItStood)
{
    RngDevice rng;
    FakeDriver driver(rng);
    ASSERT_EQ(driver.initialise(kNegotiated), kLiveStatus);
    for (int round = 0; round < 3; ++round) {
        request(driver);
        driver.kick(0);
    }
    ASSERT_EQ(driver.take_used(0).size(), 3u);
    driver.write_register(mmio::kInterruptAck, mmio::kInterruptUsedBuffer);
    (void)driver.interrupts();
    auto before = registers(driver);
    auto state = driver.save_state();

    RngDevice fresh;
    auto restored = driver.copy_guest(fresh);
    auto result = restored->restore_state(state);
    ASSERT_TRUE(result.ok()) << result.error().message();
    EXPECT_TRUE(fresh.active());
    EXPECT_EQ(registers(*restored), before);
    restored->transport->after_restore();
    EXPECT_EQ(restored->interrupts(), 0u) << "nothing was pending, nothing new is raised";
    EXPECT_TRUE(restored->take_used(0).empty());

    restored->write16(FakeDriver::avail(0) + 4 + 2 * 16, 3); // used_event: interrupt after entry 3
    auto head = request(*restored);
    restored->kick(0);
    auto used = restored->take_used(0);
    ASSERT_EQ(used.size(), 1u);
    EXPECT_EQ(used[0].id, head);
    EXPECT_EQ(restored->used_index(0), 4) << "the used index continues from 3";
    EXPECT_EQ(restored->interrupts(), 1u);
}

TEST(MmioTransportState, AfterRestoreServesANotificationTheOldProcessNeverRead)
{
    RngDevice rng;
    FakeDriver driver(rng);
    ASSERT_EQ(driver.initialise(kNegotiated), kLiveStatus);
    request(driver);
    driver.kick(0);
    ASSERT_EQ(driver.take_used(0).size(), 1u);
    auto waiting = request(driver); // the notify sat in the old eventfd when the VM was paused
    auto state = driver.save_state();

    RngDevice fresh;
    auto restored = driver.copy_guest(fresh);
    ASSERT_TRUE(restored->restore_state(state).ok());
    restored->transport->after_restore();
    auto used = restored->take_used(0);
    ASSERT_EQ(used.size(), 1u) << "served once, not twice";
    EXPECT_EQ(used[0].id, waiting);
    EXPECT_EQ(restored->used_index(0), 2);
    restored->transport->after_restore();
    EXPECT_TRUE(restored->take_used(0).empty());
}

TEST(MmioTransportState, UnacknowledgedInterruptIsRaisedAgain)
{
    RngDevice rng;
    FakeDriver driver(rng);
    ASSERT_EQ(driver.initialise(kModern), kLiveStatus);
    request(driver);
    driver.kick(0);
    auto state = driver.save_state(); // InterruptStatus still says "used buffer"

    RngDevice fresh;
    auto restored = driver.copy_guest(fresh);
    ASSERT_TRUE(restored->restore_state(state).ok());
    EXPECT_EQ(restored->interrupts(), 0u) << "not before after_restore()";
    restored->transport->after_restore();
    EXPECT_EQ(restored->interrupts(), 1u);
    EXPECT_EQ(restored->read_register(mmio::kInterruptStatus), mmio::kInterruptUsedBuffer);
}

TEST(MmioTransportState, DriverInTheMiddleOfInitialisationFinishesAfterRestore)
{
    RngDevice rng;
    FakeDriver driver(rng);
    driver.write_register(mmio::kStatusReg, kStatusAcknowledge | kStatusDriver);
    driver.write_register(mmio::kDriverFeaturesSel, 1);
    driver.write_register(mmio::kDriverFeatures, 1);
    driver.write_register(mmio::kDeviceFeaturesSel, 1);
    auto state = driver.save_state();

    RngDevice fresh;
    auto restored = driver.copy_guest(fresh);
    ASSERT_TRUE(restored->restore_state(state).ok());
    EXPECT_FALSE(fresh.active());
    EXPECT_EQ(restored->read_register(mmio::kStatusReg), kStatusAcknowledge | kStatusDriver);
    EXPECT_EQ(restored->read_register(mmio::kDeviceFeatures), 1u) << "the features select survived: the high half";
    restored->transport->after_restore();
    restored->write_register(mmio::kStatusReg, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
    restored->setup_queue(0, 16);
    restored->write_register(mmio::kStatusReg, kLiveStatus);
    EXPECT_EQ(restored->read_register(mmio::kStatusReg), kLiveStatus) << "the driver features written before the snapshot count";
    request(*restored);
    restored->kick(0);
    EXPECT_EQ(restored->take_used(0).size(), 1u);
}

TEST(MmioTransportState, DeviceThatNeedsResetStaysSoUntilTheDriverResetsIt)
{
    RngDevice rng;
    FakeDriver driver(rng);
    ASSERT_EQ(driver.initialise(kModern), kLiveStatus);
    driver.add_chain(0, { { FakeDriver::kRamSize - 8, 16, true } }); // a buffer outside RAM
    driver.kick(0);
    ASSERT_TRUE(driver.read_register(mmio::kStatusReg) & kStatusNeedsReset);
    auto state = driver.save_state();

    RngDevice fresh;
    auto restored = driver.copy_guest(fresh);
    auto result = restored->restore_state(state);
    ASSERT_TRUE(result.ok()) << result.error().message();
    EXPECT_FALSE(fresh.active());
    EXPECT_EQ(restored->read_register(mmio::kStatusReg), kLiveStatus | kStatusNeedsReset);
    restored->transport->after_restore();
    EXPECT_EQ(restored->interrupts(), 1u) << "the configuration change interrupt, not yet acknowledged";
    EXPECT_TRUE(restored->take_used(0).empty());
    ASSERT_EQ(restored->initialise(kModern), kLiveStatus);
    request(*restored);
    restored->kick(0);
    EXPECT_EQ(restored->take_used(0).size(), 1u);
}

namespace {

// A saved transport state for the entropy device, field by field, to alter one at a time.
struct SavedTransport {
    uint32_t device_id { kEntropyDevice };
    uint32_t status { kLiveStatus };
    uint64_t driver_features { kModern };
    uint32_t interrupt_status { 0 };
    uint32_t queue_count { 1 };
    uint16_t queue_size { 16 };
    uint64_t used_ring { FakeDriver::used(0) };
    bool ready { true };
    bool active { true };
    bool event_idx { false };
    uint16_t next_avail { 0 };
    uint16_t next_used { 0 };

    std::vector<uint8_t> bytes() const
    {
        StateWriter writer;
        writer.u32(device_id);
        writer.u32(status);
        writer.u32(0);
        writer.u32(0);
        writer.u64(driver_features);
        writer.u32(0);
        writer.u32(0);
        writer.u32(interrupt_status);
        writer.bytes(std::vector<uint8_t>(256, 0));
        writer.u32(queue_count);
        writer.section("queue 0", [&](StateWriter& queue) {
            queue.u16(queue_size);
            queue.u64(FakeDriver::descriptors(0));
            queue.u64(FakeDriver::avail(0));
            queue.u64(used_ring);
            queue.boolean(ready);
            queue.boolean(active);
            if (!active)
                return;
            queue.boolean(event_idx);
            queue.boolean(false);
            queue.u16(next_avail);
            queue.u16(next_used);
            queue.u16(0);
            queue.boolean(false);
        });
        writer.section("device", [](StateWriter&) { });
        return writer.data();
    }
};

// Restores `saved` into a fresh transport: the error message, or "" when it was accepted. A
// refused state leaves the transport reset and the device unbound.
std::string refusal(const SavedTransport& saved)
{
    RngDevice rng;
    FakeDriver driver(rng);
    auto result = driver.restore_state(saved.bytes());
    if (result.ok())
        return "";
    EXPECT_EQ(driver.read_register(mmio::kStatusReg), 0u);
    EXPECT_FALSE(rng.active());
    return result.error().message();
}

}

TEST(MmioTransportState, HostileStatesAreRefused)
{
    auto expect_refused = [](const SavedTransport& saved, std::string_view text) {
        auto message = refusal(saved);
        EXPECT_NE(message.find(text), std::string::npos) << "'" << message << "' should say '" << text << "'";
    };
    EXPECT_EQ(refusal({}), "") << "the unaltered state is accepted";
    expect_refused({ .device_id = kBlockDevice }, "'device type' is 2, not this device's 4");
    expect_refused({ .status = kLiveStatus & ~kStatusFeaturesOk }, "DRIVER_OK without FEATURES_OK");
    expect_refused({ .driver_features = kModern | feature(40) }, "not all offered");
    expect_refused({ .driver_features = feature(kFeatureEventIdx) }, "lack VERSION_1");
    expect_refused({ .interrupt_status = 4 }, "bits no device raises");
    expect_refused({ .queue_count = 2 }, "'queue count' is 2, not this device's 1");
    expect_refused({ .queue_size = 12 }, "queue size 12 is not a power of two up to 64");
    expect_refused({ .queue_size = 128 }, "not a power of two up to 64");
    expect_refused({ .used_ring = FakeDriver::kRamSize - 8 }, "used ring");
    expect_refused({ .status = kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk }, "'queue 0' is active before DRIVER_OK");
    expect_refused({ .active = false }, "'queue 0' is ready but was not activated");
    expect_refused({ .event_idx = true }, "features the driver did not negotiate");
    expect_refused({ .next_avail = 3, .next_used = 1 }, "2 chains in flight");
    EXPECT_EQ(refusal({ .status = kLiveStatus | kStatusNeedsReset, .next_avail = 3, .next_used = 2 }), "")
        << "a device that stopped mid-request may hold one; nothing uses its queues until a reset";
    EXPECT_EQ(refusal({ .status = kLiveStatus | 0x30 }), "") << "undefined bits a driver may have written";
    EXPECT_EQ(refusal({ .status = kStatusAcknowledge, .driver_features = feature(63), .ready = false, .active = false }), "")
        << "features not yet accepted may be anything";
}

TEST(MmioTransportState, EveryTruncationOrExtraByteIsRefused)
{
    RngDevice rng;
    FakeDriver driver(rng);
    ASSERT_EQ(driver.initialise(kNegotiated), kLiveStatus);
    request(driver);
    driver.kick(0);
    auto state = driver.save_state();
    RngDevice fresh;
    FakeDriver restored(fresh);
    for (size_t length = 0; length < state.size(); ++length) {
        auto result = restored.restore_state(std::span(state).first(length));
        ASSERT_FALSE(result.ok()) << "length " << length;
        EXPECT_FALSE(fresh.active());
        EXPECT_EQ(restored.read_register(mmio::kStatusReg), 0u);
    }
    state.push_back(0);
    EXPECT_FALSE(restored.restore_state(state).ok());
}

TEST(MmioTransportState, RestoreIntoAUsedTransportStartsFromAReset)
{
    RngDevice rng;
    FakeDriver driver(rng);
    ASSERT_EQ(driver.initialise(kModern), kLiveStatus);
    auto state = driver.save_state();
    request(driver);
    driver.kick(0);
    ASSERT_TRUE(driver.restore_state(state).ok());
    EXPECT_EQ(driver.read_register(mmio::kStatusReg), kLiveStatus);
    EXPECT_TRUE(rng.active());
    EXPECT_FALSE(driver.restore_state(SavedTransport { .status = kStatusDriverOk }.bytes()).ok());
    EXPECT_FALSE(rng.active()) << "a refused restore leaves the device unbound";
}
