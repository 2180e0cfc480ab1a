#include "devices/virtio/net_device.h"
#include "tests/unit/devices/virtio/fake_driver.h"

#include <gtest/gtest.h>

#include <sys/socket.h>

using namespace vmlet;
using namespace vmlet::virtio;
using namespace vmlet::virtio::testing;

namespace {

constexpr uint64_t kMergeable = feature(15);
constexpr size_t kHeader = 12;

// The device's packet descriptor is one end of a SOCK_SEQPACKET pair, which keeps frame
// boundaries as a tap does; the test plays the host network on the other end.
class NetDeviceTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        int ends[2];
        ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, ends), 0);
        host.reset(ends[1]);
        device = std::make_unique<NetDevice>(UniqueFd(ends[0]), NetDevice::MacAddress { 2, 0, 0, 0, 0, 7 }, nullptr);
        driver = std::make_unique<FakeDriver>(*device);
    }

    std::vector<uint8_t> frame(uint8_t fill, size_t payload)
    {
        std::vector<uint8_t> bytes(kHeader + payload, fill);
        std::fill(bytes.begin(), bytes.begin() + kHeader, 0);
        return bytes;
    }
    void host_sends(const std::vector<uint8_t>& bytes) { ASSERT_EQ(::write(host.get(), bytes.data(), bytes.size()), ssize_t(bytes.size())); }
    std::vector<uint8_t> host_receives()
    {
        std::vector<uint8_t> bytes(70000);
        ssize_t count = ::read(host.get(), bytes.data(), bytes.size());
        bytes.resize(count < 0 ? 0 : size_t(count));
        return bytes;
    }

    UniqueFd host;
    std::unique_ptr<NetDevice> device;
    std::unique_ptr<FakeDriver> driver;
};

}

TEST_F(NetDeviceTest, ConfigHoldsTheMac)
{
    uint8_t mac[6] = {};
    driver->transport->read(mmio::kConfig, mac);
    EXPECT_EQ(std::vector<uint8_t>(mac, mac + 6), (std::vector<uint8_t> { 2, 0, 0, 0, 0, 7 }));
}

TEST_F(NetDeviceTest, TransmitsAFrameSplitAcrossBuffers)
{
    ASSERT_EQ(driver->initialise(kModern | kMergeable), kLiveStatus);
    auto bytes = frame(0x42, 100);
    auto header = driver->readable(std::span(bytes).first(kHeader));
    auto payload = driver->readable(std::span(bytes).subspan(kHeader));
    driver->add_chain(NetDevice::kTransmitQueue, { header, payload });
    driver->kick(NetDevice::kTransmitQueue);
    EXPECT_EQ(host_receives(), bytes);
    EXPECT_EQ(driver->take_used(NetDevice::kTransmitQueue).size(), 1u);
}

TEST_F(NetDeviceTest, FrameWithoutHeaderIsDropped)
{
    ASSERT_EQ(driver->initialise(kModern), kLiveStatus);
    driver->add_chain(NetDevice::kTransmitQueue, { driver->readable(std::vector<uint8_t>(4, 1)) });
    driver->kick(NetDevice::kTransmitQueue);
    EXPECT_TRUE(host_receives().empty());
    EXPECT_EQ(driver->take_used(NetDevice::kTransmitQueue).size(), 1u) << "the buffer still goes back";
}

TEST_F(NetDeviceTest, ReceivesIntoOneBufferWithNumBuffersOne)
{
    ASSERT_EQ(driver->initialise(kModern | kMergeable), kLiveStatus);
    auto buffer = driver->writable(2048, 0);
    driver->add_chain(NetDevice::kReceiveQueue, { buffer });
    host_sends(frame(0x17, 60));
    device->on_packets_readable();
    auto used = driver->take_used(NetDevice::kReceiveQueue);
    ASSERT_EQ(used.size(), 1u);
    EXPECT_EQ(used[0].length, kHeader + 60);
    auto bytes = driver->bytes(buffer.address, kHeader + 60);
    EXPECT_EQ(bytes[10], 1) << "num_buffers";
    EXPECT_EQ(bytes[kHeader], 0x17);
    EXPECT_GE(driver->interrupts(), 1u);
}

TEST_F(NetDeviceTest, LargeFrameIsMergedAcrossBuffers)
{
    ASSERT_EQ(driver->initialise(kModern | kMergeable, 64), kLiveStatus);
    std::vector<FakeDriver::Buffer> buffers;
    for (int index = 0; index < 3; ++index) {
        buffers.push_back(driver->writable(1536, 0));
        driver->add_chain(NetDevice::kReceiveQueue, { buffers.back() });
    }
    host_sends(frame(0x5a, 4000));
    device->on_packets_readable();
    auto used = driver->take_used(NetDevice::kReceiveQueue);
    ASSERT_EQ(used.size(), 3u);
    EXPECT_EQ(used[0].length + used[1].length + used[2].length, kHeader + 4000);
    EXPECT_EQ(driver->bytes(buffers[0].address, 12)[10], 3) << "num_buffers";
}

TEST_F(NetDeviceTest, FrameWaitsForBuffersAndIsNotLost)
{
    ASSERT_EQ(driver->initialise(kModern | kMergeable), kLiveStatus);
    auto small = driver->writable(1536, 0);
    driver->add_chain(NetDevice::kReceiveQueue, { small });
    host_sends(frame(0x33, 3000));
    device->on_packets_readable();
    EXPECT_TRUE(driver->take_used(NetDevice::kReceiveQueue).empty()) << "one buffer is not enough";
    auto more = driver->writable(1536, 0);
    driver->add_chain(NetDevice::kReceiveQueue, { more });
    driver->kick(NetDevice::kReceiveQueue);
    auto used = driver->take_used(NetDevice::kReceiveQueue);
    ASSERT_EQ(used.size(), 2u) << "3012 bytes fill the first buffer and spill into the second";
    EXPECT_EQ(used[0].length, 1536u);
    EXPECT_EQ(used[1].length, 3012u - 1536);
    EXPECT_EQ(driver->bytes(small.address, 12)[10], 2);
    EXPECT_EQ(driver->bytes(more.address, 1)[0], 0x33);
}

TEST_F(NetDeviceTest, WithoutMergeableBuffersAFrameTooLargeIsDropped)
{
    ASSERT_EQ(driver->initialise(kModern), kLiveStatus);
    auto buffer = driver->writable(1536, 0);
    driver->add_chain(NetDevice::kReceiveQueue, { buffer });
    host_sends(frame(0x44, 3000));
    host_sends(frame(0x45, 100));
    device->on_packets_readable();
    auto used = driver->take_used(NetDevice::kReceiveQueue);
    ASSERT_EQ(used.size(), 1u);
    EXPECT_EQ(used[0].length, kHeader + 100);
    EXPECT_EQ(driver->bytes(buffer.address + kHeader, 1)[0], 0x45);
}

TEST_F(NetDeviceTest, ReceiveBufferTooSmallForTheHeaderNeedsReset)
{
    ASSERT_EQ(driver->initialise(kModern | kMergeable), kLiveStatus);
    driver->add_chain(NetDevice::kReceiveQueue, { driver->writable(4) });
    host_sends(frame(0x11, 10));
    device->on_packets_readable();
    EXPECT_TRUE(driver->read_register(mmio::kStatusReg) & kStatusNeedsReset);
}

TEST_F(NetDeviceTest, NothingIsReadBeforeTheDriverIsReady)
{
    host_sends(frame(0x11, 10));
    device->on_packets_readable();
    ASSERT_EQ(driver->initialise(kModern | kMergeable), kLiveStatus);
    auto buffer = driver->writable(2048, 0);
    driver->add_chain(NetDevice::kReceiveQueue, { buffer });
    driver->kick(NetDevice::kReceiveQueue);
    EXPECT_EQ(driver->take_used(NetDevice::kReceiveQueue).size(), 1u) << "the frame waited in the socket";
}

TEST_F(NetDeviceTest, RestoredDeviceKeepsTheMacAndReceivesFromItsNewTap)
{
    ASSERT_EQ(driver->initialise(kModern | kMergeable), kLiveStatus);
    auto first = driver->writable(2048, 0);
    driver->add_chain(NetDevice::kReceiveQueue, { first });
    auto second = driver->writable(2048, 0);
    driver->add_chain(NetDevice::kReceiveQueue, { second });
    host_sends(frame(0x17, 60));
    device->on_packets_readable();
    ASSERT_EQ(driver->take_used(NetDevice::kReceiveQueue).size(), 1u);
    auto state = driver->save_state();

    int ends[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, ends), 0);
    UniqueFd new_host(ends[1]);
    std::vector<unsigned> offloads;
    NetDevice fresh(UniqueFd(ends[0]), NetDevice::MacAddress { 2, 9, 9, 9, 9, 9 }, [&](unsigned offload) -> Result<void> {
        offloads.push_back(offload);
        return {};
    });
    auto restored = driver->copy_guest(fresh);
    auto result = restored->restore_state(state);
    ASSERT_TRUE(result.ok()) << result.error().message();
    EXPECT_EQ(offloads.size(), 1u) << "the new tap learns the offloads once, as at DRIVER_OK";
    uint8_t mac[6] = {};
    restored->transport->read(mmio::kConfig, mac);
    EXPECT_EQ(std::vector<uint8_t>(mac, mac + 6), (std::vector<uint8_t> { 2, 0, 0, 0, 0, 7 })) << "the guest's interface uses this one";
    restored->transport->after_restore();

    auto bytes = frame(0x29, 80);
    ASSERT_EQ(::write(new_host.get(), bytes.data(), bytes.size()), ssize_t(bytes.size()));
    fresh.on_packets_readable();
    auto used = restored->take_used(NetDevice::kReceiveQueue);
    ASSERT_EQ(used.size(), 1u);
    EXPECT_EQ(used[0].length, kHeader + 80);
    EXPECT_EQ(restored->bytes(second.address + kHeader, 80), std::vector<uint8_t>(80, 0x29)) << "into the buffer still waiting";
    EXPECT_EQ(restored->used_index(NetDevice::kReceiveQueue), 2);
}
