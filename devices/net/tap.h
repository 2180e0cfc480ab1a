#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"

#include <string>

namespace vmlet {

// A Linux tap device (Documentation/networking/tuntap.rst) opened for a virtio-net device: no
// packet-info prefix, and a 12-byte virtio_net_hdr on every frame, the same header virtio-net
// uses with VERSION_1 (virtio 1.2 §5.1.6), so frames pass between guest and tap without copies of
// the header. Non-blocking.
class Tap {
public:
    // Attaches to the tap called `name` (made beforehand with `ip tuntap add`, or by vmlet).
    static Result<Tap> open(const std::string& name);
    // Creates a new tap, vmletN, and brings it up. The kernel deletes it when the last descriptor
    // closes, so it goes away on every exit path of vmlet, SIGKILL included.
    static Result<Tap> create();
    // Takes the tap open at descriptor `fd`, which this process inherited (QEMU's -netdev
    // tap,fd=N): vmlet made it, put it on a bridge and passed it on. It must be a tap with the
    // flags above; it becomes non-blocking and close-on-exec, and this Tap owns it.
    static Result<Tap> adopt(int fd);

    int fd() const { return m_fd.get(); }
    const std::string& name() const { return m_name; }
    // TUNSETOFFLOAD: which offloads (TUN_F_*) the guest can take in received frames.
    Result<void> set_offload(unsigned flags) const;

private:
    Tap(UniqueFd fd, std::string name)
        : m_fd(std::move(fd))
        , m_name(std::move(name))
    {
    }
    static Result<Tap> attach(const std::string& pattern);

    UniqueFd m_fd;
    std::string m_name;
};

}
