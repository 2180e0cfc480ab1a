#include "vmm/base/hybrid_vsock.h"
#include "vmm/base/unix_socket.h"

#include <gtest/gtest.h>

using namespace vmlet;

TEST(HybridVsock, ConnectLineRoundTrips)
{
    EXPECT_EQ(hybrid_vsock::connect_line(1029), "CONNECT 1029\n");
    EXPECT_EQ(hybrid_vsock::parse_connect_line("CONNECT 1029\n").value(), 1029u);
    EXPECT_EQ(hybrid_vsock::parse_connect_line("CONNECT 4294967295\n").value(), 4294967295u);
    EXPECT_EQ(hybrid_vsock::listener_path("/run/v.sock", 5000), "/run/v.sock_5000");
    EXPECT_TRUE(hybrid_vsock::is_ok_line(hybrid_vsock::ok_line(1073741824)));
}

TEST(HybridVsock, AnythingElseIsRefusedQuotingTheLine)
{
    for (const char* line : { "CONNECT \n", "CONNECT 12a\n", "CONNECT -1\n", "CONNECT 4294967296\n", "connect 80\n", "CONNECT 80", "CONNECT  80\n" })
        EXPECT_FALSE(hybrid_vsock::parse_connect_line(line).ok()) << line;
    auto refused = hybrid_vsock::parse_connect_line("HELLO\n");
    EXPECT_EQ(refused.error().message(), "the client sent 'HELLO' instead of 'CONNECT <port>'");
    EXPECT_FALSE(hybrid_vsock::is_ok_line("OK 5"));
    EXPECT_FALSE(hybrid_vsock::is_ok_line("NO 5\n"));
}

TEST(UnixSocket, PathsMustFitSunPath)
{
    EXPECT_EQ(std::string(unix_socket_address("/tmp/a.sock").value().sun_path), "/tmp/a.sock");
    EXPECT_TRUE(unix_socket_address(std::string(107, 'x')).ok());
    auto too_long = unix_socket_address(std::string(108, 'x'));
    ASSERT_FALSE(too_long.ok());
    EXPECT_NE(too_long.error().message().find("too long (at most 107 bytes)"), std::string::npos);
    EXPECT_FALSE(unix_socket_address("").ok());
}
