#include "devices/virtio/vsock_device.h"
#include "tests/unit/devices/virtio/fake_driver.h"
#include "vmm/base/unix_socket.h"

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>

using namespace vmlet;
using namespace vmlet::virtio;
using namespace vmlet::virtio::testing;
using vsock::Header;

namespace {

constexpr uint64_t kGuestCid = 3;
constexpr uint32_t kGuestPort = 1234;

struct Packet {
    Header header;
    std::vector<uint8_t> payload;
};

sockaddr_un address_of(const std::string& path)
{
    return unix_socket_address(path).value();
}

UniqueFd listen_at(const std::string& path)
{
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    auto address = address_of(path);
    EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    EXPECT_EQ(::listen(fd.get(), 4), 0);
    return fd;
}

UniqueFd connect_to(const std::string& path)
{
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    auto address = address_of(path);
    EXPECT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    return fd;
}

// Reads from a host socket until `count` bytes or end of stream, waiting up to two seconds.
std::string read_host(int fd, size_t count)
{
    std::string text;
    while (text.size() < count) {
        pollfd ready { fd, POLLIN, 0 };
        if (::poll(&ready, 1, 2000) != 1)
            break;
        char buffer[4096];
        ssize_t got = ::read(fd, buffer, std::min(sizeof(buffer), count - text.size()));
        if (got <= 0)
            break;
        text.append(buffer, size_t(got));
    }
    return text;
}

bool host_sees_end_of_stream(int fd)
{
    pollfd ready { fd, POLLIN, 0 };
    char byte;
    return ::poll(&ready, 1, 2000) == 1 && ::read(fd, &byte, 1) == 0;
}

// The device with its socket in a fresh directory, an event loop running its host side, and a
// fake driver playing the guest's virtio_vsock driver.
class VsockDeviceTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        auto pattern = (std::filesystem::temp_directory_path() / "vmlet-vsock-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        directory = pattern;
        path = directory + "/v.sock";
        auto listening = VsockDevice::listen(kGuestCid, path);
        ASSERT_TRUE(listening.ok()) << listening.error().message();
        device = listening.release_value();
        loop = EventLoop::create().release_value();
        ASSERT_TRUE(device->attach_backend(*loop).ok());
        ASSERT_TRUE(loop->start().ok());
        driver = std::make_unique<FakeDriver>(*device);
    }
    void TearDown() override
    {
        if (loop)
            loop->stop_and_join();
        driver.reset();
        device.reset();
        std::filesystem::remove_all(directory);
    }

    Header header(uint16_t op, uint32_t dst_port, uint32_t length = 0, uint32_t flags = 0, uint32_t buf_alloc = 65536, uint32_t fwd_cnt = 0)
    {
        return { kGuestCid, vsock::kHostCid, kGuestPort, dst_port, length, vsock::kTypeStream, op, flags, buf_alloc, fwd_cnt };
    }
    void send(const Header& packet, std::span<const uint8_t> payload = {})
    {
        std::vector<FakeDriver::Buffer> buffers { driver->readable_object(packet) };
        if (!payload.empty())
            buffers.push_back(driver->readable(payload));
        driver->add_chain(VsockDevice::kTransmitQueue, buffers);
        driver->kick(VsockDevice::kTransmitQueue);
    }
    void give_receive_buffers(size_t count, uint32_t size = 4096)
    {
        for (size_t index = 0; index < count; ++index) {
            auto buffer = driver->writable(size);
            receive_buffers[driver->add_chain(VsockDevice::kReceiveQueue, { buffer })] = buffer.address;
        }
        driver->kick(VsockDevice::kReceiveQueue);
    }
    // The packets the device put in receive buffers, waiting up to `wait` for `count` of them
    // (a test that expects fewer waits less: the wait is only how long "nothing more" is checked).
    std::vector<Packet> receive(size_t count, std::chrono::milliseconds wait = std::chrono::seconds(2))
    {
        auto deadline = std::chrono::steady_clock::now() + wait;
        while (pending.size() < count && std::chrono::steady_clock::now() < deadline) {
            for (auto used : driver->take_used(VsockDevice::kReceiveQueue)) {
                auto address = receive_buffers.at(uint16_t(used.id));
                Packet packet;
                EXPECT_GE(used.length, sizeof(Header));
                packet.header = driver->memory.read_object<Header>(GuestAddress(address)).release_value();
                packet.payload = driver->bytes(address + sizeof(Header), used.length - sizeof(Header));
                EXPECT_EQ(packet.payload.size(), packet.header.len);
                pending.push_back(packet);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        std::vector<Packet> packets(pending.begin(), pending.begin() + std::ptrdiff_t(std::min(count, pending.size())));
        pending.erase(pending.begin(), pending.begin() + std::ptrdiff_t(packets.size()));
        return packets;
    }
    // Connects the guest's port kGuestPort to a host listener on port 5000 and returns the host's end.
    UniqueFd guest_connects(UniqueFd& listener)
    {
        listener = listen_at(path + "_5000");
        give_receive_buffers(8);
        send(header(vsock::kOpRequest, 5000));
        auto reply = receive(1);
        EXPECT_EQ(reply.size(), 1u);
        if (!reply.empty()) {
            EXPECT_EQ(reply[0].header.op, vsock::kOpResponse);
        }
        return UniqueFd(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    }

    std::string directory;
    std::string path;
    std::unique_ptr<VsockDevice> device;
    std::unique_ptr<EventLoop> loop;
    std::unique_ptr<FakeDriver> driver;
    std::map<uint16_t, uint64_t> receive_buffers; // head -> buffer address
    std::vector<Packet> pending;
};

std::vector<uint8_t> bytes_of(std::string_view text) { return { text.begin(), text.end() }; }
std::string text_of(const std::vector<uint8_t>& bytes) { return { bytes.begin(), bytes.end() }; }

}

TEST_F(VsockDeviceTest, ConfigHoldsTheGuestCid)
{
    uint64_t cid = 0;
    driver->transport->read(mmio::kConfig, std::span(reinterpret_cast<uint8_t*>(&cid), 8));
    EXPECT_EQ(cid, kGuestCid);
    EXPECT_EQ(driver->read_register(mmio::kDeviceId), uint32_t(kVsockDevice));
}

TEST_F(VsockDeviceTest, SocketPathRules)
{
    auto plain = directory + "/file";
    std::fclose(std::fopen(plain.c_str(), "w"));
    auto refused = VsockDevice::listen(kGuestCid, plain);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message().find("not a socket"), std::string::npos);

    auto live = VsockDevice::listen(kGuestCid, path);
    ASSERT_FALSE(live.ok()) << "the fixture's device listens there";
    EXPECT_NE(live.error().message().find("listening"), std::string::npos);

    auto stale_path = directory + "/stale.sock";
    { auto stale = listen_at(stale_path); } // closed: a socket file nobody listens on
    EXPECT_TRUE(VsockDevice::listen(kGuestCid, stale_path).ok()) << "a killed vmlet's socket is replaced";
    EXPECT_FALSE(std::filesystem::exists(stale_path)) << "and removed when the device goes";

    EXPECT_FALSE(VsockDevice::listen(kGuestCid, directory + "/" + std::string(120, 'x')).ok());
}

TEST_F(VsockDeviceTest, GuestConnectsToAHostListenerAndBytesFlowBothWays)
{
    ASSERT_EQ(driver->initialise(kModern), kLiveStatus);
    UniqueFd listener;
    auto host = guest_connects(listener);
    ASSERT_TRUE(host.valid());

    send(header(vsock::kOpRw, 5000, 5), bytes_of("hello"));
    EXPECT_EQ(read_host(host.get(), 5), "hello");

    ASSERT_EQ(::write(host.get(), "world", 5), 5);
    auto packets = receive(1);
    ASSERT_EQ(packets.size(), 1u);
    EXPECT_EQ(packets[0].header.op, vsock::kOpRw);
    EXPECT_EQ(packets[0].header.src_port, 5000u);
    EXPECT_EQ(packets[0].header.dst_port, kGuestPort);
    EXPECT_EQ(packets[0].header.dst_cid, kGuestCid);
    EXPECT_EQ(text_of(packets[0].payload), "world");

    // The guest closes: SHUTDOWN both ways is answered with RST and the host sees end of stream.
    send(header(vsock::kOpShutdown, 5000, 0, vsock::kShutdownReceive | vsock::kShutdownSend));
    packets = receive(1);
    ASSERT_EQ(packets.size(), 1u);
    EXPECT_EQ(packets[0].header.op, vsock::kOpRst);
    EXPECT_TRUE(host_sees_end_of_stream(host.get()));
}

TEST_F(VsockDeviceTest, GuestConnectionToAPortNobodyListensOnIsReset)
{
    ASSERT_EQ(driver->initialise(kModern), kLiveStatus);
    give_receive_buffers(2);
    send(header(vsock::kOpRequest, 6000));
    auto packets = receive(1);
    ASSERT_EQ(packets.size(), 1u);
    EXPECT_EQ(packets[0].header.op, vsock::kOpRst);
    EXPECT_EQ(packets[0].header.dst_port, kGuestPort);
    EXPECT_EQ(packets[0].header.src_port, 6000u);
}

TEST_F(VsockDeviceTest, HostClientReachesAGuestPortWithConnect)
{
    ASSERT_EQ(driver->initialise(kModern), kLiveStatus);
    give_receive_buffers(8);
    auto client = connect_to(path);
    ASSERT_EQ(::write(client.get(), "CONNECT 80\nearly", 16), 16);
    auto packets = receive(1);
    ASSERT_EQ(packets.size(), 1u);
    auto request = packets[0].header;
    EXPECT_EQ(request.op, vsock::kOpRequest);
    EXPECT_EQ(request.dst_port, 80u);
    EXPECT_GE(request.src_port, 1u << 30);

    // The guest accepts: the client reads OK with its port, then the bytes it sent early arrive.
    Header response { kGuestCid, vsock::kHostCid, 80, request.src_port, 0, vsock::kTypeStream, vsock::kOpResponse, 0, 65536, 0 };
    send(response);
    auto ok = fmt::format("OK {}\n", uint32_t(request.src_port));
    EXPECT_EQ(read_host(client.get(), ok.size()), ok);
    packets = receive(1);
    ASSERT_EQ(packets.size(), 1u);
    EXPECT_EQ(packets[0].header.op, vsock::kOpRw);
    EXPECT_EQ(text_of(packets[0].payload), "early");

    // The client closes its end: the guest hears SHUTDOWN (no more to receive).
    client.reset();
    packets = receive(1);
    ASSERT_EQ(packets.size(), 1u);
    EXPECT_EQ(packets[0].header.op, vsock::kOpShutdown);
    EXPECT_EQ(packets[0].header.flags, vsock::kShutdownSend);
}

TEST_F(VsockDeviceTest, HostClientWithoutConnectLineIsClosed)
{
    ASSERT_EQ(driver->initialise(kModern), kLiveStatus);
    auto client = connect_to(path);
    ASSERT_EQ(::write(client.get(), "HELLO 80\n", 9), 9);
    EXPECT_TRUE(host_sees_end_of_stream(client.get()));
}

TEST_F(VsockDeviceTest, HostToGuestDataRespectsTheGuestsCredit)
{
    ASSERT_EQ(driver->initialise(kModern), kLiveStatus);
    UniqueFd listener;
    listener = listen_at(path + "_5000");
    give_receive_buffers(8);
    send(header(vsock::kOpRequest, 5000, 0, 0, /*buf_alloc=*/10));
    ASSERT_EQ(receive(1).size(), 1u);
    UniqueFd host(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    std::string data(25, 'c');
    ASSERT_EQ(::write(host.get(), data.data(), data.size()), 25);
    auto packets = receive(2, std::chrono::milliseconds(300));
    ASSERT_EQ(packets.size(), 1u) << "10 bytes of credit: one packet, then nothing";
    EXPECT_EQ(packets[0].payload.size(), 10u);

    // The guest's reader took the 10 bytes: its credit update lets the next 10 through.
    send(header(vsock::kOpCreditUpdate, 5000, 0, 0, 10, 10));
    packets = receive(2, std::chrono::milliseconds(300));
    ASSERT_EQ(packets.size(), 1u);
    EXPECT_EQ(packets[0].payload.size(), 10u);
}

TEST_F(VsockDeviceTest, CreditRequestIsAnswered)
{
    ASSERT_EQ(driver->initialise(kModern), kLiveStatus);
    UniqueFd listener;
    auto host = guest_connects(listener);
    send(header(vsock::kOpCreditRequest, 5000));
    auto packets = receive(1);
    ASSERT_EQ(packets.size(), 1u);
    EXPECT_EQ(packets[0].header.op, vsock::kOpCreditUpdate);
    EXPECT_EQ(packets[0].header.buf_alloc, vsock::Connection::kBufferSize);
}

TEST_F(VsockDeviceTest, GuestSendingBeyondItsCreditIsReset)
{
    ASSERT_EQ(driver->initialise(kModern), kLiveStatus);
    UniqueFd listener;
    auto host = guest_connects(listener); // the host never reads: the socket fills, then the buffer
    std::vector<uint8_t> chunk(vsock::kMaxPayload, 'x');
    auto payload = driver->readable(chunk);
    auto rw = driver->readable_object(header(vsock::kOpRw, 5000, uint32_t(chunk.size())));
    std::vector<Packet> packets;
    for (int sent = 0; sent < 24 && packets.empty(); ++sent) {
        driver->add_chain(VsockDevice::kTransmitQueue, { rw, payload });
        driver->kick(VsockDevice::kTransmitQueue);
        for (auto& packet : receive(1, std::chrono::milliseconds(50)))
            if (packet.header.op == vsock::kOpRst)
                packets.push_back(packet);
    }
    ASSERT_EQ(packets.size(), 1u) << "past socket buffer + 256 KiB the guest broke the credit rules";
    EXPECT_EQ(driver->read_register(mmio::kStatusReg), kLiveStatus) << "the connection is reset, not the device";
}

TEST_F(VsockDeviceTest, MalformedPacketsAreDroppedOrReset)
{
    ASSERT_EQ(driver->initialise(kModern), kLiveStatus);
    give_receive_buffers(4);
    // A header shorter than 44 bytes, and one claiming more payload than the chain holds: dropped.
    driver->add_chain(VsockDevice::kTransmitQueue, { driver->readable(std::vector<uint8_t>(20, 1)) });
    send(header(vsock::kOpRw, 5000, 1000), bytes_of("short"));
    // Data for a connection that does not exist, and a spoofed source CID: answered with RST.
    send(header(vsock::kOpRw, 7000, 2), bytes_of("hi"));
    auto spoofed = header(vsock::kOpRequest, 7001);
    spoofed.src_cid = 9;
    send(spoofed);
    auto packets = receive(3, std::chrono::milliseconds(300));
    ASSERT_EQ(packets.size(), 2u);
    EXPECT_EQ(packets[0].header.op, vsock::kOpRst);
    EXPECT_EQ(packets[0].header.src_port, 7000u);
    EXPECT_EQ(packets[1].header.op, vsock::kOpRst);
    EXPECT_EQ(packets[1].header.dst_cid, 9u);
    EXPECT_EQ(driver->take_used(VsockDevice::kTransmitQueue).size(), 4u) << "every transmit buffer goes back";
    EXPECT_EQ(driver->read_register(mmio::kStatusReg), kLiveStatus);
}

TEST_F(VsockDeviceTest, ReceiveBufferSmallerThanAHeaderNeedsReset)
{
    ASSERT_EQ(driver->initialise(kModern), kLiveStatus);
    give_receive_buffers(1, 16);
    send(header(vsock::kOpRequest, 6000)); // answered with an RST that does not fit
    EXPECT_TRUE(driver->read_register(mmio::kStatusReg) & kStatusNeedsReset);
}

TEST_F(VsockDeviceTest, DeviceResetClosesHostConnections)
{
    ASSERT_EQ(driver->initialise(kModern), kLiveStatus);
    UniqueFd listener;
    auto host = guest_connects(listener);
    driver->write_register(mmio::kStatusReg, 0);
    EXPECT_TRUE(host_sees_end_of_stream(host.get()));
}
