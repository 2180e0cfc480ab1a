#include "devices/net/tap.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <thread>

using namespace vmlet;

namespace {

// A descriptor of /dev/net/tun attached with TUNSETIFF `flags` to a new tap, made in a network
// namespace of a thread's own (unshare(2) of CLONE_NEWNET is per thread) so that the host's network
// never sees it; the tap's socket keeps that namespace alive. -1 where that is not permitted.
int tap_in_own_namespace(short flags)
{
    int result = -1;
    std::thread([&] {
        if (::unshare(CLONE_NEWNET) < 0)
            return;
        int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
        ifreq request {};
        std::strcpy(request.ifr_name, "test%d");
        request.ifr_flags = flags;
        if (fd >= 0 && ::ioctl(fd, TUNSETIFF, &request) == 0)
            result = fd;
        else if (fd >= 0)
            ::close(fd);
    }).join();
    return result;
}

}

TEST(Tap, AdoptsAnInheritedTap)
{
    int fd = tap_in_own_namespace(IFF_TAP | IFF_NO_PI | IFF_VNET_HDR);
    if (fd < 0)
        GTEST_SKIP() << "needs CAP_NET_ADMIN and /dev/net/tun";
    auto tap = Tap::adopt(fd);
    ASSERT_TRUE(tap.ok()) << tap.error().message();
    EXPECT_EQ(tap.value().fd(), fd);
    EXPECT_EQ(tap.value().name(), "test0");
    EXPECT_TRUE(::fcntl(fd, F_GETFL) & O_NONBLOCK);
    EXPECT_TRUE(::fcntl(fd, F_GETFD) & FD_CLOEXEC);
    int header_size = 0;
    ASSERT_EQ(::ioctl(fd, TUNGETVNETHDRSZ, &header_size), 0);
    EXPECT_EQ(header_size, 12);
}

TEST(Tap, RefusesWhatIsNotSuchATap)
{
    int fd = tap_in_own_namespace(IFF_TAP | IFF_NO_PI);
    if (fd < 0)
        GTEST_SKIP() << "needs CAP_NET_ADMIN and /dev/net/tun";
    auto without_header = Tap::adopt(fd);
    ASSERT_FALSE(without_header.ok());
    EXPECT_NE(without_header.error().message().find("IFF_VNET_HDR"), std::string::npos) << without_header.error().message();
    ::close(fd);

    int pipe_fds[2];
    ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
    auto pipe = Tap::adopt(pipe_fds[0]);
    ASSERT_FALSE(pipe.ok());
    EXPECT_NE(pipe.error().message().find("not a tap"), std::string::npos) << pipe.error().message();
    EXPECT_GE(::fcntl(pipe_fds[0], F_GETFD), 0) << "a refused descriptor stays open";
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);

    auto closed = Tap::adopt(pipe_fds[0]);
    ASSERT_FALSE(closed.ok());
    EXPECT_NE(closed.error().message().find("not open"), std::string::npos) << closed.error().message();
}
