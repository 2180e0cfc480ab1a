#include "tests/unit/devices/virtio/vsock_test_fixture.h"

#include <cstdio>

using namespace vmlet;
using namespace vmlet::virtio;
using namespace vmlet::virtio::testing;

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
