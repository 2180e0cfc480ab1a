// A virtqueue saved and restored over a copy of its guest RAM: the restored queue continues where
// the saved one stood, and a saved state that is cut short or altered is refused.
#include "devices/virtio/rng_device.h"
#include "tests/unit/devices/virtio/fake_driver.h"

#include <gtest/gtest.h>

using namespace vmlet;
using namespace vmlet::virtio;
using namespace vmlet::virtio::testing;

namespace {

constexpr uint16_t kSize = 16;

// The fake driver writes the rings (its transport only holds the queue registers); the queue
// under test is a separate Virtqueue placed where the driver put queue 0.
class VirtqueueState : public ::testing::Test {
protected:
    void SetUp() override
    {
        driver.setup_queue(0, kSize);
        configure(queue);
        ASSERT_TRUE(queue.activate(driver.memory, /*event_idx=*/true, /*indirect=*/false).ok());
    }
    static void configure(Virtqueue& target)
    {
        target.config() = { kSize, GuestAddress(FakeDriver::descriptors(0)), GuestAddress(FakeDriver::avail(0)),
            GuestAddress(FakeDriver::used(0)), true };
    }
    uint16_t offer() { return driver.add_chain(0, { driver.writable(8) }); }
    std::vector<uint8_t> save(const Virtqueue& saved)
    {
        StateWriter writer;
        saved.save_state(writer);
        return writer.data();
    }
    Result<void> restore(Virtqueue& target, std::span<const uint8_t> state, const GuestMemory& memory)
    {
        StateReader reader(state, "queue");
        TRY(target.restore_state(reader, memory));
        return reader.expect_end();
    }
    // A second guest RAM holding the same bytes, as a restored VM's would.
    GuestMemory copy_of_ram()
    {
        auto copy = GuestMemory::create({ { GuestAddress(0), FakeDriver::kRamSize } }, MemoryBacking::Plain).release_value();
        EXPECT_TRUE(copy.write(GuestAddress(0), driver.bytes(0, FakeDriver::kRamSize)).ok());
        return copy;
    }

    RngDevice rng;
    FakeDriver driver { rng };
    Virtqueue queue { 64 };
};

}

TEST_F(VirtqueueState, RestoredQueueContinuesAtTheSameRingPositions)
{
    for (int round = 0; round < 3; ++round) {
        offer();
        auto chain = queue.pop().release_value();
        ASSERT_TRUE(chain);
        ASSERT_TRUE(queue.push_used(chain->head, 8).ok());
    }
    ASSERT_TRUE(queue.should_interrupt().ok());
    auto waiting = offer(); // made available before the snapshot, not yet taken
    auto state = save(queue);

    auto ram = copy_of_ram();
    Virtqueue restored(64);
    ASSERT_TRUE(restore(restored, state, ram).ok());
    EXPECT_TRUE(restored.active());
    EXPECT_TRUE(restored.event_idx());
    EXPECT_FALSE(restored.indirect());
    auto chain = restored.pop().release_value();
    ASSERT_TRUE(chain);
    EXPECT_EQ(chain->head, waiting);
    EXPECT_FALSE(restored.pop().release_value()) << "nothing else is available";
    ASSERT_TRUE(restored.push_used(chain->head, 5).ok());
    EXPECT_EQ(ram.read_object<uint16_t>(GuestAddress(FakeDriver::used(0) + 2)).value(), 4) << "the used index continues";
    auto element = ram.read_object<FakeDriver::UsedElement>(GuestAddress(FakeDriver::used(0) + 4 + 8 * 3)).value();
    EXPECT_EQ(element.id, waiting);
    EXPECT_EQ(element.length, 5u);
    EXPECT_EQ(driver.used_index(0), 3) << "the saved VM's RAM is untouched";
}

TEST_F(VirtqueueState, RestoredQueueKeepsItsInterruptSuppressionState)
{
    // The driver asks for an interrupt only after used index 2 (§2.7.10 used_event).
    driver.write16(FakeDriver::avail(0) + 4 + 2 * kSize, 1);
    for (int round = 0; round < 2; ++round) {
        offer();
        auto chain = queue.pop().release_value();
        ASSERT_TRUE(queue.push_used(chain->head, 8).ok());
        EXPECT_TRUE(queue.should_interrupt().value());
    }
    offer();
    auto state = save(queue);
    auto ram = copy_of_ram();
    ASSERT_TRUE(ram.write_object(GuestAddress(FakeDriver::avail(0) + 4 + 2 * kSize), uint16_t(5)).ok());
    Virtqueue restored(64);
    ASSERT_TRUE(restore(restored, state, ram).ok());
    auto chain = restored.pop().release_value();
    ASSERT_TRUE(chain);
    ASSERT_TRUE(restored.push_used(chain->head, 8).ok());
    EXPECT_FALSE(restored.should_interrupt().value()) << "used_event 5 lies ahead; a queue that forgot its last interrupt would raise one";
}

TEST_F(VirtqueueState, QueueBeingConfiguredRoundTripsAsTheDriverLeftIt)
{
    Virtqueue configuring(64);
    configuring.config() = { 3, GuestAddress(0x1234), GuestAddress(~0ull), GuestAddress(7), true };
    auto state = save(configuring);
    Virtqueue restored(64);
    ASSERT_TRUE(restore(restored, state, driver.memory).ok()) << "activate() judges these at DRIVER_OK, as before the snapshot";
    EXPECT_FALSE(restored.active());
    EXPECT_EQ(restored.config().size, 3);
    EXPECT_EQ(restored.config().descriptors.value(), 0x1234u);
    EXPECT_EQ(restored.config().driver_area.value(), ~0ull);
    EXPECT_TRUE(restored.config().ready);
    EXPECT_FALSE(restored.activate(driver.memory, false, false).ok());
}

TEST_F(VirtqueueState, EveryTruncationIsRefusedAndLeavesTheQueueAsItWas)
{
    offer();
    auto state = save(queue);
    for (size_t length = 0; length < state.size(); ++length) {
        Virtqueue restored(64);
        auto result = restore(restored, std::span(state).first(length), driver.memory);
        ASSERT_FALSE(result.ok()) << "length " << length;
        EXPECT_NE(result.error().message().find("cut short"), std::string::npos) << result.error().message();
        EXPECT_FALSE(restored.active());
        EXPECT_EQ(restored.config().size, 0);
    }
}

namespace {

// A saved active queue with one field replaced: size, the three areas, and the indices.
struct SavedQueue {
    uint16_t size { kSize };
    uint64_t descriptors { FakeDriver::descriptors(0) };
    uint64_t avail { FakeDriver::avail(0) };
    uint64_t used { FakeDriver::used(0) };
    bool ready { true };
    uint16_t next_avail { 0 };
    uint16_t next_used { 0 };

    std::vector<uint8_t> bytes() const
    {
        StateWriter writer;
        writer.u16(size);
        writer.u64(descriptors);
        writer.u64(avail);
        writer.u64(used);
        writer.boolean(ready);
        writer.boolean(true); // active
        writer.boolean(true);
        writer.boolean(false);
        writer.u16(next_avail);
        writer.u16(next_used);
        writer.u16(0);
        writer.boolean(false);
        return writer.data();
    }
};

}

TEST_F(VirtqueueState, HostileActiveQueuesAreRefused)
{
    auto refused = [&](const SavedQueue& saved) -> std::string {
        Virtqueue restored(64);
        auto result = restore(restored, saved.bytes(), driver.memory);
        EXPECT_EQ(restored.active(), result.ok()) << "a refused state leaves the queue as it was";
        return result.ok() ? std::string() : result.error().message();
    };
    EXPECT_TRUE(refused({}).empty()) << "the unaltered state is accepted";
    EXPECT_NE(refused({ .size = 12 }).find("queue size 12 is not a power of two up to 64"), std::string::npos);
    EXPECT_NE(refused({ .size = 128 }).find("not a power of two up to 64"), std::string::npos) << "above the device's maximum";
    EXPECT_NE(refused({ .size = 0 }).find("queue size 0"), std::string::npos);
    EXPECT_NE(refused({ .descriptors = FakeDriver::kRamSize - 16 }).find("descriptor table"), std::string::npos);
    EXPECT_NE(refused({ .descriptors = FakeDriver::descriptors(0) + 8 }).find("misaligned"), std::string::npos);
    EXPECT_NE(refused({ .avail = ~0ull - 1 }).find("available ring"), std::string::npos);
    EXPECT_NE(refused({ .used = FakeDriver::kRamSize }).find("used ring"), std::string::npos);
    EXPECT_NE(refused({ .ready = false }).find("not ready"), std::string::npos);
    EXPECT_NE(refused({ .next_avail = 40, .next_used = 20 }).find("20 entries behind"), std::string::npos);
    EXPECT_NE(refused({ .next_avail = 1, .next_used = 2 }).find("65535 entries behind"), std::string::npos) << "more used than taken";
    EXPECT_TRUE(refused({ .next_avail = 65535, .next_used = 65530 }).empty()) << "indices wrap as u16";

    auto message = refused({ .size = 12 });
    EXPECT_EQ(message.find("queue: 'configuration' is not usable: "), 0u) << message;
}
