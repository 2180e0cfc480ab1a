#pragma once

// The vsock device's test fixture: the device with its socket in a fresh directory, an event loop
// running its host side, and a fake driver playing the guest's virtio_vsock driver; shared by the
// device's tests and its snapshot tests.
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

namespace vmlet::virtio::testing {

using vsock::Header;

constexpr uint64_t kGuestCid = 3;
constexpr uint32_t kGuestPort = 1234;

struct Packet {
    Header header;
    std::vector<uint8_t> payload;
};

inline sockaddr_un address_of(const std::string& path)
{
    return unix_socket_address(path).value();
}

inline UniqueFd listen_at(const std::string& path)
{
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    auto address = address_of(path);
    EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    EXPECT_EQ(::listen(fd.get(), 4), 0);
    return fd;
}

inline UniqueFd connect_to(const std::string& path)
{
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    auto address = address_of(path);
    EXPECT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    return fd;
}

// Reads from a host socket until `count` bytes or end of stream, waiting up to two seconds.
inline std::string read_host(int fd, size_t count)
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

inline bool host_sees_end_of_stream(int fd)
{
    pollfd ready { fd, POLLIN, 0 };
    char byte;
    return ::poll(&ready, 1, 2000) == 1 && ::read(fd, &byte, 1) == 0;
}

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

inline std::vector<uint8_t> bytes_of(std::string_view text) { return { text.begin(), text.end() }; }
inline std::string text_of(const std::vector<uint8_t>& bytes) { return { bytes.begin(), bytes.end() }; }

}
