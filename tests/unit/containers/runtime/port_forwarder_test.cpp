#include "containers/runtime/port_forwarder.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

using namespace vmlet;

namespace {

UniqueFd connect_to(uint16_t port)
{
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    return fd;
}

// Whether the peer closed `fd` within `timeout` (a read that returns 0).
bool closed_within(int fd, std::chrono::milliseconds timeout)
{
    pollfd ready { fd, POLLIN, 0 };
    if (::poll(&ready, 1, static_cast<int>(timeout.count())) != 1)
        return false;
    char byte;
    return ::recv(fd, &byte, 1, 0) == 0;
}

// The container's end of each forwarded connection: a socketpair whose other end the test keeps.
struct FakeContainer {
    std::vector<UniqueFd> ends;
    ContainerConnector connector()
    {
        return [this](uint16_t) -> Result<UniqueFd> {
            int pair[2];
            if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
                return errno_error("socketpair");
            ends.emplace_back(pair[1]);
            return UniqueFd(pair[0]);
        };
    }
};

}

TEST(PortForwarder, BytesGoBothWaysAndAHalfCloseGoesOn)
{
    FakeContainer container;
    auto forwarder = PortForwarder::bind({ "127.0.0.1", 0, 80 }).release_value();
    forwarder->start(container.connector());
    auto client = connect_to(forwarder->host_port());
    ASSERT_EQ(::send(client.get(), "ping", 4, 0), 4);
    ::shutdown(client.get(), SHUT_WR);
    for (int i = 0; i < 100 && container.ends.empty(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_EQ(container.ends.size(), 1u);
    char buffer[8] = {};
    ASSERT_EQ(::recv(container.ends[0].get(), buffer, sizeof buffer, MSG_WAITALL), 4);
    EXPECT_EQ(std::string(buffer, 4), "ping");
    ASSERT_EQ(::send(container.ends[0].get(), "pong", 4, 0), 4);
    container.ends[0].reset();
    ASSERT_EQ(::recv(client.get(), buffer, sizeof buffer, MSG_WAITALL), 4);
    EXPECT_EQ(std::string(buffer, 4), "pong");
}

// A client that never reads holds up neither the container's other connections nor the end of the
// forwarder (the container's exit).
TEST(PortForwarder, AClientThatStopsReadingBlocksNothing)
{
    FakeContainer container;
    auto forwarder = PortForwarder::bind({ "127.0.0.1", 0, 80 }).release_value();
    forwarder->start(container.connector());
    auto stuck = connect_to(forwarder->host_port());
    for (int i = 0; i < 100 && container.ends.empty(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_EQ(container.ends.size(), 1u);
    // Far more than the socket buffers and the forwarder's own hold.
    std::thread flood([&] {
        std::vector<char> block(1 << 20, 'x');
        for (int i = 0; i < 64; ++i) {
            if (::send(container.ends[0].get(), block.data(), block.size(), MSG_NOSIGNAL) < 0)
                return;
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto other = connect_to(forwarder->host_port());
    ASSERT_EQ(::send(other.get(), "hi", 2, 0), 2);
    for (int i = 0; i < 100 && container.ends.size() < 2; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_EQ(container.ends.size(), 2u);
    char buffer[2];
    EXPECT_EQ(::recv(container.ends[1].get(), buffer, 2, MSG_WAITALL), 2);
    auto begin = std::chrono::steady_clock::now();
    forwarder.reset();
    EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(5));
    container.ends[0].reset(); // the flood's send fails now
    flood.join();
}

TEST(PortForwarder, ConnectionsPastTheLimitAreClosed)
{
    FakeContainer container;
    auto forwarder = PortForwarder::bind({ "127.0.0.1", 0, 80 }).release_value();
    forwarder->start(container.connector());
    std::vector<UniqueFd> clients;
    for (size_t i = 0; i < PortForwarder::kMaxConnections; ++i)
        clients.push_back(connect_to(forwarder->host_port()));
    for (int i = 0; i < 500 && container.ends.size() < PortForwarder::kMaxConnections; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_EQ(container.ends.size(), PortForwarder::kMaxConnections);
    auto extra = connect_to(forwarder->host_port());
    EXPECT_TRUE(closed_within(extra.get(), std::chrono::seconds(5)));
    EXPECT_EQ(container.ends.size(), PortForwarder::kMaxConnections);
}
