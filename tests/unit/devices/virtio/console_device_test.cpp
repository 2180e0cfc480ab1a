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
