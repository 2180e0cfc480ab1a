#include "tests/integration/own_network_namespace.h"

#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace vmlet::test {

bool enter_own_network_namespace()
{
    if (::geteuid() != 0)
        return false;
    if (::unshare(CLONE_NEWNET) < 0) {
        std::perror("tests: unshare(CLONE_NEWNET)");
        return false;
    }
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq request {};
    std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
    bool up = fd >= 0 && ::ioctl(fd, SIOCGIFFLAGS, &request) == 0;
    request.ifr_flags = short(request.ifr_flags | IFF_UP);
    up = up && ::ioctl(fd, SIOCSIFFLAGS, &request) == 0;
    if (fd >= 0)
        ::close(fd);
    if (!up)
        std::perror("tests: bringing up loopback");
    return up;
}

}
