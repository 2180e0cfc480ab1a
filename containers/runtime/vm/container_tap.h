#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"

#include <string>

namespace vmlet {

// The tap behind a VM container's virtio-net card, which vmlet makes and hands to the monitor
// (`--net fd=N`): IFF_NO_PI | IFF_VNET_HDR as the monitor's virtio-net takes it (devices/net/tap.h),
// non-persistent, so the kernel deletes it when the last descriptor closes (tuntap.rst) and
// nothing is left after a SIGKILL of vmlet and the monitor. It starts down and on no bridge: a
// container with a network puts it on its bridge (join_bridge); one without keeps it so, and its
// guest's eth0 reaches nothing.
struct ContainerTap {
    UniqueFd fd;      // close-on-exec: passed on by SpawnOptions::inherited_fds
    std::string name; // vmlet-tN

    static Result<ContainerTap> create();
};

}
