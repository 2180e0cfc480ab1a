#include "containers/runtime/vm/container_tap.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>

#include <cstring>

namespace vmlet {

Result<ContainerTap> ContainerTap::create()
{
    UniqueFd tun(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
    if (!tun.valid())
        return errno_error("cannot open /dev/net/tun for the container's tap");
    // TUNSETIFF with a name pattern: the kernel picks the first free vmlet-tN.
    ifreq request {};
    std::strncpy(request.ifr_name, "vmlet-t%d", IFNAMSIZ - 1);
    request.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    if (::ioctl(tun.get(), TUNSETIFF, &request) < 0)
        return errno_error("cannot make the container's tap (TUNSETIFF; it needs CAP_NET_ADMIN)");
    return ContainerTap { std::move(tun), request.ifr_name };
}

}
