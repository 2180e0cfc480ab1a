#include "devices/net/tap.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace vmlet {

namespace {

constexpr int kVirtioNetHeaderSize = 12; // struct virtio_net_hdr_v1 with num_buffers

Result<void> bring_up(const std::string& name)
{
    UniqueFd socket(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!socket.valid())
        return errno_error("socket");
    ifreq request {};
    std::strncpy(request.ifr_name, name.c_str(), IFNAMSIZ - 1);
    if (::ioctl(socket.get(), SIOCGIFFLAGS, &request) < 0)
        return errno_error(fmt::format("tap {}", name));
    request.ifr_flags = short(request.ifr_flags | IFF_UP);
    if (::ioctl(socket.get(), SIOCSIFFLAGS, &request) < 0)
        return errno_error(fmt::format("bringing up tap {}", name));
    return {};
}

}

Result<Tap> Tap::attach(const std::string& pattern)
{
    int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return errno_error("/dev/net/tun");
    UniqueFd tun(fd);
    ifreq request {};
    std::strncpy(request.ifr_name, pattern.c_str(), IFNAMSIZ - 1);
    request.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    if (::ioctl(fd, TUNSETIFF, &request) < 0) {
        if (errno == EPERM)
            return make_error("tap {}: not permitted (it needs CAP_NET_ADMIN, or a tap made for this user with 'ip tuntap add ... user')", pattern);
        if (errno == EBUSY)
            return make_error("tap {} is in use by another process", pattern);
        return errno_error(fmt::format("tap {}", pattern));
    }
    int header_size = kVirtioNetHeaderSize;
    if (::ioctl(fd, TUNSETVNETHDRSZ, &header_size) < 0)
        return errno_error("TUNSETVNETHDRSZ");
    return Tap(std::move(tun), request.ifr_name);
}

Result<Tap> Tap::adopt(int fd)
{
    // tuntap.rst: TUNGETIFF answers on a descriptor attached to a tun/tap device with its name and
    // flags; any other descriptor gets EBADF (not open), EBADFD (a bare /dev/net/tun) or ENOTTY.
    ifreq request {};
    if (::ioctl(fd, TUNGETIFF, &request) < 0) {
        if (errno == EBADF)
            return make_error("tap descriptor {} is not open (it must be inherited from the parent)", fd);
        return make_error("descriptor {} is not a tap device ({})", fd, std::strerror(errno));
    }
    constexpr short kWanted = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    request.ifr_name[IFNAMSIZ - 1] = '\0';
    if ((request.ifr_flags & (IFF_TUN | IFF_TAP | IFF_NO_PI | IFF_VNET_HDR)) != kWanted)
        return make_error("descriptor {} ({}) is not a tap opened with IFF_NO_PI and IFF_VNET_HDR", fd, request.ifr_name);
    UniqueFd tap(fd);
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 || ::fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
        return errno_error(fmt::format("tap {}: fcntl", request.ifr_name));
    int header_size = kVirtioNetHeaderSize;
    if (::ioctl(fd, TUNSETVNETHDRSZ, &header_size) < 0)
        return errno_error(fmt::format("tap {}: TUNSETVNETHDRSZ", request.ifr_name));
    return Tap(std::move(tap), request.ifr_name);
}

Result<Tap> Tap::open(const std::string& name)
{
    // TUNSETIFF would quietly create a missing tap; a user who named one means an existing one.
    if (::if_nametoindex(name.c_str()) == 0)
        return make_error("tap {}: no such network interface (create it with 'ip tuntap add {} mode tap', or use --net auto)", name, name);
    return attach(name);
}

Result<Tap> Tap::create()
{
    auto tap = TRY(attach("vmlet%d"));
    TRY(bring_up(tap.name()));
    return tap;
}

Result<void> Tap::set_offload(unsigned flags) const
{
    if (::ioctl(m_fd.get(), TUNSETOFFLOAD, flags) < 0)
        return errno_error(fmt::format("tap {}: TUNSETOFFLOAD", m_name));
    return {};
}

}
