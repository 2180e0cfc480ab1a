#include "devices/virtio/console_device.h"
#include "tests/unit/devices/virtio/fake_driver.h"

#include <gtest/gtest.h>

#include <fcntl.h>

using namespace vmlet;
using namespace vmlet::virtio;
using namespace vmlet::virtio::testing;

namespace {

class ConsoleDeviceTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        int ends[2];
        ASSERT_EQ(::pipe2(ends, O_NONBLOCK | O_CLOEXEC), 0);
        output.reset(ends[0]);
        write_end.reset(ends[1]);
        device = std::make_unique<ConsoleDevice>(write_end.get());
        driver = std::make_unique<FakeDriver>(*device);
    }
    std::string printed()
    {
        char buffer[256];
        ssize_t count = ::read(output.get(), buffer, sizeof(buffer));
        return count > 0 ? std::string(buffer, size_t(count)) : std::string();
    }

    UniqueFd output, write_end;
    std::unique_ptr<ConsoleDevice> device;
    std::unique_ptr<FakeDriver> driver;
};

}

TEST_F(ConsoleDeviceTest, TransmittedBytesReachTheOutput)
{
    ASSERT_EQ(driver->initialise(kModern), kLiveStatus);
    std::string text = "hello hvc0\n";
    driver->add_chain(ConsoleDevice::kTransmitQueue, { driver->readable(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size())) });
    driver->kick(ConsoleDevice::kTransmitQueue);
    EXPECT_EQ(printed(), text);
}

TEST_F(ConsoleDeviceTest, InputWaitsForReceiveBuffers)
{
    EXPECT_EQ(device->input_space(), 0u) << "no input before the driver is ready";
    ASSERT_EQ(driver->initialise(kModern), kLiveStatus);
    std::string text = "typed";
    EXPECT_EQ(device->push_input(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size())), 5u);
    auto buffer = driver->writable(3, 0);
    driver->add_chain(ConsoleDevice::kReceiveQueue, { buffer });
    driver->kick(ConsoleDevice::kReceiveQueue);
    auto second = driver->writable(16, 0);
    driver->add_chain(ConsoleDevice::kReceiveQueue, { second });
    driver->kick(ConsoleDevice::kReceiveQueue);
    auto used = driver->take_used(ConsoleDevice::kReceiveQueue);
    ASSERT_EQ(used.size(), 2u);
    EXPECT_EQ(used[0].length, 3u);
    EXPECT_EQ(used[1].length, 2u);
    auto first_bytes = driver->bytes(buffer.address, 3);
    auto second_bytes = driver->bytes(second.address, 2);
    EXPECT_EQ(std::string(first_bytes.begin(), first_bytes.end()) + std::string(second_bytes.begin(), second_bytes.end()), text);
}

TEST_F(ConsoleDeviceTest, InputNotYetReadAndTheQueuesSurviveASnapshot)
{
    ASSERT_EQ(driver->initialise(kModern), kLiveStatus);
    std::string early = "echo hi\n";
    driver->add_chain(ConsoleDevice::kTransmitQueue, { driver->readable(std::span(reinterpret_cast<const uint8_t*>(early.data()), early.size())) });
    driver->kick(ConsoleDevice::kTransmitQueue);
    ASSERT_EQ(printed(), early);
    std::string typed = "typed";
    ASSERT_EQ(device->push_input(std::span(reinterpret_cast<const uint8_t*>(typed.data()), typed.size())), 5u);
    auto state = driver->save_state();

    ConsoleDevice fresh(write_end.get());
    auto restored = driver->copy_guest(fresh);
    auto result = restored->restore_state(state);
    ASSERT_TRUE(result.ok()) << result.error().message();
    restored->transport->after_restore();
    EXPECT_EQ(fresh.input_space(), 4096u - 5);
    auto buffer = restored->writable(16, 0);
    restored->add_chain(ConsoleDevice::kReceiveQueue, { buffer });
    restored->kick(ConsoleDevice::kReceiveQueue);
    auto used = restored->take_used(ConsoleDevice::kReceiveQueue);
    ASSERT_EQ(used.size(), 1u);
    EXPECT_EQ(used[0].length, 5u);
    auto bytes = restored->bytes(buffer.address, 5);
    EXPECT_EQ(std::string(bytes.begin(), bytes.end()), typed);

    std::string later = "ls\n";
    restored->add_chain(ConsoleDevice::kTransmitQueue, { restored->readable(std::span(reinterpret_cast<const uint8_t*>(later.data()), later.size())) });
    restored->kick(ConsoleDevice::kTransmitQueue);
    EXPECT_EQ(printed(), later);
    EXPECT_EQ(restored->used_index(ConsoleDevice::kTransmitQueue), 2);
}

TEST_F(ConsoleDeviceTest, RestoreRefusesMoreInputThanTheDeviceHolds)
{
    StateWriter writer;
    writer.bytes(std::vector<uint8_t>(4097, 'x'));
    StateReader reader(writer.data(), "console");
    auto result = device->restore_state(reader);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message(), "console: 'pending input' is 4097 bytes, more than 4096");
}
