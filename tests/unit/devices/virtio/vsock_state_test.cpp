// The vsock device across a snapshot: restored in a "new process" (a new device at a new socket
// path, a new event loop, a copy of the guest's RAM), its old connections are gone, the guest
// hears exactly one TRANSPORT_RESET event, and nothing new reaches it before it has taken that
// event in; then new connections work both ways.
#include "tests/unit/devices/virtio/vsock_test_fixture.h"

#include <functional>

using namespace vmlet;
using namespace vmlet::virtio;
using namespace vmlet::virtio::testing;

namespace {

constexpr uint64_t kWithEventIndex = kModern | feature(kFeatureEventIdx);
constexpr uint16_t kQueueSize = 16; // FakeDriver::initialise's

class VsockStateTest : public VsockDeviceTest {
protected:
    // Linux's driver gives the event queue eight 4-byte buffers when it probes.
    void give_event_buffers(size_t count)
    {
        for (size_t index = 0; index < count; ++index) {
            auto buffer = driver->writable(4);
            event_buffers[driver->add_chain(VsockDevice::kEventQueue, { buffer })] = buffer.address;
        }
        driver->kick(VsockDevice::kEventQueue);
    }
    // The event ids the device put in event buffers since the last call.
    std::vector<uint32_t> events()
    {
        std::vector<uint32_t> ids;
        for (auto used : driver->take_used(VsockDevice::kEventQueue)) {
            EXPECT_EQ(used.length, 4u) << "Linux takes an event only if the used length is exactly its size";
            ids.push_back(driver->memory.read_object<uint32_t>(GuestAddress(event_buffers.at(uint16_t(used.id)))).value());
        }
        return ids;
    }
    // What Linux does once it has handled an event: the buffer goes back, and a notify.
    void acknowledge_events() { give_event_buffers(1); }

    // The VM saved, and restored by a new VMM process whose device listens at a new path (with
    // `guest_cid`); the old process goes, and its host sockets with it. `meanwhile` runs once the
    // device is restored and its event loop runs, before after_restore().
    void restore_in_a_new_process(uint64_t guest_cid = kGuestCid, const std::function<void()>& meanwhile = {})
    {
        auto state = driver->save_state();
        auto new_path = directory + "/restored.sock";
        auto fresh = VsockDevice::listen(guest_cid, new_path).release_value();
        auto fresh_loop = EventLoop::create().release_value();
        auto restored = driver->copy_guest(*fresh);
        loop->stop_and_join();
        driver.reset();
        device.reset();
        loop.reset();

        auto result = restored->restore_state(state);
        ASSERT_TRUE(result.ok()) << result.error().message();
        ASSERT_TRUE(fresh->attach_backend(*fresh_loop).ok());
        ASSERT_TRUE(fresh_loop->start().ok());
        device = std::move(fresh);
        loop = std::move(fresh_loop);
        driver = std::move(restored);
        path = new_path;
        pending.clear();
        if (meanwhile)
            meanwhile();
        driver->transport->after_restore();
    }

    std::map<uint16_t, uint64_t> event_buffers; // head -> buffer address
};

}

TEST_F(VsockStateTest, OldConnectionsAreGoneTheGuestHearsOneResetAndNewConnectionsWork)
{
    ASSERT_EQ(driver->initialise(kWithEventIndex), kLiveStatus);
    give_event_buffers(8);
    UniqueFd old_listener;
    auto old_host = guest_connects(old_listener);
    send(header(vsock::kOpRw, 5000, 5), bytes_of("hello"));
    ASSERT_EQ(read_host(old_host.get(), 5), "hello");

    restore_in_a_new_process();
    EXPECT_TRUE(host_sees_end_of_stream(old_host.get()));
    EXPECT_EQ(events(), std::vector<uint32_t> { 0 }) << "one VIRTIO_VSOCK_EVENT_TRANSPORT_RESET";
    auto avail_event = driver->read16(FakeDriver::used(VsockDevice::kEventQueue) + 4 + 8 * kQueueSize);
    EXPECT_EQ(avail_event, 8) << "the driver is asked to notify when it hands the event's buffer back";

    // Before the driver has taken the reset in, a new connection is made on the host but its
    // RESPONSE waits: handled first, it would be reset with the old ones.
    auto listener = listen_at(path + "_5000");
    give_receive_buffers(4);
    send(header(vsock::kOpRequest, 5000));
    UniqueFd host(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    ASSERT_TRUE(host.valid());
    EXPECT_TRUE(receive(1, std::chrono::milliseconds(200)).empty());

    acknowledge_events();
    auto packets = receive(1);
    ASSERT_EQ(packets.size(), 1u);
    EXPECT_EQ(packets[0].header.op, vsock::kOpResponse);
    send(header(vsock::kOpRw, 5000, 5), bytes_of("again"));
    EXPECT_EQ(read_host(host.get(), 5), "again");
    ASSERT_EQ(::write(host.get(), "back", 4), 4);
    packets = receive(1);
    ASSERT_EQ(packets.size(), 1u);
    EXPECT_EQ(text_of(packets[0].payload), "back");

    driver->kick(VsockDevice::kEventQueue);
    acknowledge_events();
    EXPECT_TRUE(events().empty()) << "exactly one event";
}

TEST_F(VsockStateTest, PacketsForAConnectionOfTheOldProcessAreRefused)
{
    ASSERT_EQ(driver->initialise(kModern), kLiveStatus);
    give_event_buffers(8);
    UniqueFd old_listener;
    auto old_host = guest_connects(old_listener);
    restore_in_a_new_process();
    ASSERT_EQ(events().size(), 1u);
    acknowledge_events();
    // A guest that sends on its old socket before it read the event gets RST, as for any
    // packet that belongs to no connection.
    give_receive_buffers(2);
    send(header(vsock::kOpRw, 5000, 3), bytes_of("old"));
    auto packets = receive(1);
    ASSERT_EQ(packets.size(), 1u);
    EXPECT_EQ(packets[0].header.op, vsock::kOpRst);
    EXPECT_EQ(packets[0].header.src_port, 5000u);
}

TEST_F(VsockStateTest, HostClientsWaitForTheResetAndHostPortsContinue)
{
    ASSERT_EQ(driver->initialise(kModern), kLiveStatus);
    give_event_buffers(8);
    give_receive_buffers(8);
    auto old_client = connect_to(path);
    ASSERT_EQ(::write(old_client.get(), "CONNECT 80\n", 11), 11);
    auto packets = receive(1);
    ASSERT_EQ(packets.size(), 1u);
    auto old_port = packets[0].header.src_port;

    // One client is quick: it connects before the restored device has even sent the event.
    UniqueFd early;
    restore_in_a_new_process(kGuestCid, [&] {
        early = connect_to(path);
        ASSERT_EQ(::write(early.get(), "CONNECT 80\n", 11), 11);
        EXPECT_TRUE(receive(1, std::chrono::milliseconds(200)).empty()) << "no REQUEST before the event";
    });
    EXPECT_TRUE(host_sees_end_of_stream(old_client.get()));
    ASSERT_EQ(events().size(), 1u);
    auto client = connect_to(path);
    ASSERT_EQ(::write(client.get(), "CONNECT 81\n", 11), 11);
    EXPECT_TRUE(receive(1, std::chrono::milliseconds(200)).empty()) << "no REQUEST before the driver took the reset in";
    acknowledge_events();
    packets = receive(2);
    ASSERT_EQ(packets.size(), 2u);
    std::map<uint32_t, uint32_t> host_ports; // guest port -> host port
    for (auto& packet : packets) {
        EXPECT_EQ(packet.header.op, vsock::kOpRequest);
        host_ports[packet.header.dst_port] = packet.header.src_port;
    }
    EXPECT_EQ(host_ports[80], old_port + 1) << "a port the guest's reset socket may still hold is not reused";
    EXPECT_EQ(host_ports[81], old_port + 2);
}

TEST_F(VsockStateTest, NewGuestCidIsInTheConfigurationWhenTheGuestReadsIt)
{
    ASSERT_EQ(driver->initialise(kModern), kLiveStatus);
    give_event_buffers(8);
    auto generation = driver->read_register(mmio::kConfigGeneration);
    restore_in_a_new_process(/*guest_cid=*/7);
    EXPECT_EQ(events().size(), 1u);
    uint64_t cid = 0;
    driver->transport->read(mmio::kConfig, std::span(reinterpret_cast<uint8_t*>(&cid), 8));
    EXPECT_EQ(cid, 7u);
    EXPECT_NE(driver->read_register(mmio::kConfigGeneration), generation) << "§4.2.2: the configuration changed";

    acknowledge_events();
    auto listener = listen_at(path + "_5000");
    give_receive_buffers(2);
    auto request = header(vsock::kOpRequest, 5000);
    request.src_cid = 7;
    send(request);
    auto packets = receive(1);
    ASSERT_EQ(packets.size(), 1u);
    EXPECT_EQ(packets[0].header.op, vsock::kOpResponse);
    EXPECT_EQ(packets[0].header.dst_cid, 7u);
}

TEST_F(VsockStateTest, EventWaitsForABufferWhenTheDriverHadNone)
{
    ASSERT_EQ(driver->initialise(kModern), kLiveStatus);
    restore_in_a_new_process();
    EXPECT_TRUE(events().empty());
    give_event_buffers(2);
    EXPECT_EQ(events(), std::vector<uint32_t> { 0 });
    acknowledge_events();
    EXPECT_TRUE(events().empty());
}

TEST_F(VsockStateTest, DriverStillInitialisingHearsTheResetOnceItIsReady)
{
    driver->write_register(mmio::kStatusReg, kStatusAcknowledge | kStatusDriver);
    restore_in_a_new_process();
    driver->write_register(mmio::kDriverFeaturesSel, 1);
    driver->write_register(mmio::kDriverFeatures, 1);
    driver->write_register(mmio::kStatusReg, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
    for (uint16_t queue = 0; queue < 3; ++queue)
        driver->setup_queue(queue, kQueueSize);
    driver->write_register(mmio::kStatusReg, kLiveStatus);
    auto listener = listen_at(path + "_5000");
    give_receive_buffers(2);
    send(header(vsock::kOpRequest, 5000));
    EXPECT_TRUE(receive(1, std::chrono::milliseconds(200)).empty());
    give_event_buffers(8);
    EXPECT_EQ(events(), std::vector<uint32_t> { 0 });
    acknowledge_events();
    auto packets = receive(1);
    ASSERT_EQ(packets.size(), 1u);
    EXPECT_EQ(packets[0].header.op, vsock::kOpResponse);
}

TEST_F(VsockStateTest, DriverWithoutAnEventQueueHearsNothingAndIsNotHeldUp)
{
    driver->write_register(mmio::kStatusReg, kStatusAcknowledge | kStatusDriver);
    driver->write_register(mmio::kDriverFeaturesSel, 1);
    driver->write_register(mmio::kDriverFeatures, 1);
    driver->write_register(mmio::kStatusReg, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
    driver->setup_queue(VsockDevice::kReceiveQueue, kQueueSize);
    driver->setup_queue(VsockDevice::kTransmitQueue, kQueueSize);
    driver->write_register(mmio::kStatusReg, kLiveStatus);
    ASSERT_EQ(driver->read_register(mmio::kStatusReg), kLiveStatus);
    restore_in_a_new_process();
    auto listener = listen_at(path + "_5000");
    give_receive_buffers(2);
    send(header(vsock::kOpRequest, 5000));
    auto packets = receive(1);
    ASSERT_EQ(packets.size(), 1u);
    EXPECT_EQ(packets[0].header.op, vsock::kOpResponse);
}

TEST_F(VsockStateTest, EventBufferTooSmallNeedsReset)
{
    ASSERT_EQ(driver->initialise(kModern), kLiveStatus);
    driver->add_chain(VsockDevice::kEventQueue, { driver->writable(2) });
    restore_in_a_new_process();
    EXPECT_TRUE(driver->read_register(mmio::kStatusReg) & kStatusNeedsReset);
}

TEST_F(VsockStateTest, RestoreIntoTheSameDeviceDropsItsConnections)
{
    ASSERT_EQ(driver->initialise(kModern), kLiveStatus);
    auto state = driver->save_state();
    UniqueFd listener;
    auto host = guest_connects(listener);
    ASSERT_TRUE(driver->restore_state(state).ok());
    EXPECT_TRUE(host_sees_end_of_stream(host.get()));
}

TEST_F(VsockStateTest, HostileStateIsRefused)
{
    ASSERT_EQ(driver->initialise(kModern), kLiveStatus);
    auto state = driver->save_state();
    ASSERT_GE(state.size(), 4u);
    // The device's section ends with the next host port; below 2^30 is not one it hands out.
    auto low_port = state;
    std::fill(low_port.end() - 4, low_port.end() - 1, 0xff);
    low_port.back() = 0x3f;
    auto result = driver->restore_state(low_port);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().message().find("device: 'next host port' 1073741823 is below 1073741824"), std::string::npos)
        << result.error().message();
    EXPECT_FALSE(device->active());
    for (size_t length = 0; length < state.size(); ++length)
        ASSERT_FALSE(driver->restore_state(std::span(state).first(length)).ok()) << "length " << length;
    EXPECT_TRUE(driver->restore_state(state).ok());
}
