#pragma once

#include "containers/runtime/network/network_attachment.h"
#include "vmm/base/result.h"

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

struct nl_sock;

namespace vmlet {

// Links, addresses and routes through rtnetlink (rtnetlink(7)), by libnl-route-3. A netlink socket
// acts in the network namespace it was created in (network_namespaces(7)), so one opened in a
// container's namespace configures the container's side of its link from the host's vmlet.
class RouteSocket {
public:
    // A socket of this process's network namespace.
    static Result<RouteSocket> open();
    // A socket of the network namespace of the process `pidfd` names (setns(2) on a pidfd, Linux
    // 5.8), or of the namespace file `pidfd` is (/run/netns/NAME, /proc/PID/ns/net).
    static Result<RouteSocket> open_in_namespace_of(int pidfd);

    // A bridge (Documentation/networking/bridge.rst) with `address`/`prefix_length` as its own
    // address (the network's gateway), up.
    Result<void> add_bridge(const std::string& name, uint32_t address, uint8_t prefix_length, uint32_t mtu);
    // Deletes the link `name`; one that is already gone is no error.
    Result<void> remove_link(const std::string& name);
    bool has_link(const std::string& name);
    // Makes `name` a port of `bridge`, with `mtu`, and up.
    Result<void> join_bridge(const std::string& name, const std::string& bridge, uint32_t mtu);
    // A veth pair: `host_name` here and its peer, called `peer_name`, in the network namespace of
    // process `pid` (IFLA_NET_NS_PID). The pair goes when that namespace does.
    Result<void> add_veth(const std::string& host_name, const std::string& peer_name, pid_t pid);
    // The container's side: `name` gets the attachment's MAC, MTU, address, and a default route
    // through its gateway, and is brought up.
    Result<void> configure(const std::string& name, const NetworkAttachment& attachment);

    // The one interface besides loopback that this namespace's maker gave it, as an attachment to
    // redirect from (NetworkAttachment::redirect_from): its MAC, first IPv4 address and prefix,
    // MTU, and the default route's gateway. nullopt with loopback only; an error with more than
    // one, or one without an IPv4 address (link_redirect.cpp).
    Result<std::optional<NetworkAttachment>> namespace_interface();
    // Every frame that arrives on `tap` leaves by `interface` and the other way round: an ingress
    // qdisc on each with a match-all u32 filter whose action is a mirred egress redirect to the
    // other (tc-mirred(8)); `tap` is brought up with `mtu` first.
    Result<void> redirect_both_ways(const std::string& tap, const std::string& interface, uint32_t mtu);
    // Takes `interface`'s ingress qdisc away, and its filters with it: the redirect's end (the
    // tap went with its VM). One already gone is no error.
    Result<void> remove_ingress(const std::string& interface);

private:
    struct Free {
        void operator()(nl_sock* socket) const;
    };
    explicit RouteSocket(std::unique_ptr<nl_sock, Free> socket)
        : m_socket(std::move(socket))
    {
    }
    Result<int> index_of(const std::string& name);
    Result<void> set_up(const std::string& name, int master_index, uint32_t mtu, const std::array<uint8_t, 6>* mac);

    std::unique_ptr<nl_sock, Free> m_socket;
};

// Puts the host's link `name` (a container's tap or veth end) on `bridge`, with `mtu`, and brings
// it up.
Result<void> join_bridge(const std::string& name, const std::string& bridge, uint32_t mtu);

// IPv4 forwarding of packets that arrive on `link` (/proc/sys/net/ipv4/conf/LINK/forwarding,
// ip-sysctl.rst): whether it is on, and turning it on or off.
Result<bool> ipv4_forwarding(const std::string& link);
Result<void> set_ipv4_forwarding(const std::string& link, bool on);

}
