#include "containers/runtime/network/links.h"

#include "vmm/base/file.h"

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>

#include <thread>

namespace vmlet {

namespace {

struct LinkFree {
    void operator()(rtnl_link* link) const { rtnl_link_put(link); }
};
struct AddressFree {
    void operator()(nl_addr* address) const { nl_addr_put(address); }
};
using Link = std::unique_ptr<rtnl_link, LinkFree>;
using Address = std::unique_ptr<nl_addr, AddressFree>;

Error netlink_error(const std::string& what, int code)
{
    return Error(fmt::format("{}: {}", what, nl_geterror(code)));
}

Result<Address> ipv4_address(uint32_t address, uint8_t prefix_length)
{
    uint32_t network_order = htonl(address);
    Address built(nl_addr_build(AF_INET, &network_order, sizeof network_order));
    if (!built)
        return make_error("out of memory building an address");
    nl_addr_set_prefixlen(built.get(), prefix_length);
    return built;
}

Result<std::unique_ptr<nl_sock, void (*)(nl_sock*)>> connect_route_socket()
{
    std::unique_ptr<nl_sock, void (*)(nl_sock*)> socket(nl_socket_alloc(), nl_socket_free);
    if (!socket)
        return make_error("out of memory making a netlink socket");
    if (int code = nl_connect(socket.get(), NETLINK_ROUTE); code < 0)
        return netlink_error("cannot open an rtnetlink socket", code);
    return socket;
}

}

void RouteSocket::Free::operator()(nl_sock* socket) const
{
    nl_socket_free(socket);
}

Result<RouteSocket> RouteSocket::open()
{
    auto socket = TRY(connect_route_socket());
    return RouteSocket(std::unique_ptr<nl_sock, Free>(socket.release()));
}

Result<RouteSocket> RouteSocket::open_in_namespace_of(int pidfd)
{
    // setns(2) changes the calling thread only: a thread of its own enters the namespace, makes
    // the socket there, and ends, and the socket stays in that namespace.
    Result<RouteSocket> opened = make_error("cannot open an rtnetlink socket in the container's network namespace");
    std::thread([&] {
        if (::setns(pidfd, CLONE_NEWNET) < 0) {
            opened = errno_error("cannot enter the container's network namespace");
            return;
        }
        opened = open();
    }).join();
    return opened;
}

Result<int> RouteSocket::index_of(const std::string& name)
{
    rtnl_link* found = nullptr;
    if (int code = rtnl_link_get_kernel(m_socket.get(), 0, name.c_str(), &found); code < 0)
        return netlink_error(fmt::format("no network interface {}", name), code);
    Link link(found);
    return rtnl_link_get_ifindex(link.get());
}

bool RouteSocket::has_link(const std::string& name)
{
    return index_of(name).ok();
}

Result<void> RouteSocket::set_up(const std::string& name, int master_index, uint32_t mtu, const std::array<uint8_t, 6>* mac)
{
    rtnl_link* found = nullptr;
    if (int code = rtnl_link_get_kernel(m_socket.get(), 0, name.c_str(), &found); code < 0)
        return netlink_error(fmt::format("no network interface {}", name), code);
    Link link(found);
    Link changes(rtnl_link_alloc());
    if (!changes)
        return make_error("out of memory");
    if (master_index > 0)
        rtnl_link_set_master(changes.get(), master_index);
    if (mtu > 0)
        rtnl_link_set_mtu(changes.get(), mtu);
    Address hardware;
    if (mac) {
        hardware.reset(nl_addr_build(AF_LLC, mac->data(), mac->size()));
        if (!hardware)
            return make_error("out of memory");
        rtnl_link_set_addr(changes.get(), hardware.get());
    }
    rtnl_link_set_flags(changes.get(), IFF_UP);
    if (int code = rtnl_link_change(m_socket.get(), link.get(), changes.get(), 0); code < 0)
        return netlink_error(fmt::format("cannot set up network interface {}", name), code);
    return {};
}

Result<void> RouteSocket::add_bridge(const std::string& name, uint32_t address, uint8_t prefix_length, uint32_t mtu)
{
    if (int code = rtnl_link_bridge_add(m_socket.get(), name.c_str()); code < 0)
        return netlink_error(fmt::format("cannot create bridge {}", name), code);
    auto index = TRY(index_of(name));
    auto local = TRY(ipv4_address(address, prefix_length));
    std::unique_ptr<rtnl_addr, void (*)(rtnl_addr*)> entry(rtnl_addr_alloc(), rtnl_addr_put);
    if (!entry)
        return make_error("out of memory");
    rtnl_addr_set_ifindex(entry.get(), index);
    rtnl_addr_set_local(entry.get(), local.get());
    rtnl_addr_set_prefixlen(entry.get(), prefix_length);
    if (int code = rtnl_addr_add(m_socket.get(), entry.get(), 0); code < 0)
        return netlink_error(fmt::format("cannot give bridge {} the address {}/{}", name, format_ipv4(address), prefix_length), code);
    return set_up(name, 0, mtu, nullptr);
}

Result<void> RouteSocket::remove_link(const std::string& name)
{
    Link link(rtnl_link_alloc());
    if (!link)
        return make_error("out of memory");
    rtnl_link_set_name(link.get(), name.c_str());
    int code = rtnl_link_delete(m_socket.get(), link.get());
    if (code < 0 && code != -NLE_NODEV && code != -NLE_OBJ_NOTFOUND)
        return netlink_error(fmt::format("cannot delete network interface {}", name), code);
    return {};
}

Result<void> RouteSocket::join_bridge(const std::string& name, const std::string& bridge, uint32_t mtu)
{
    auto master = TRY(index_of(bridge));
    return set_up(name, master, mtu, nullptr);
}

Result<void> RouteSocket::add_veth(const std::string& host_name, const std::string& peer_name, pid_t pid)
{
    Link veth(rtnl_link_veth_alloc());
    if (!veth)
        return make_error("out of memory");
    rtnl_link_set_name(veth.get(), host_name.c_str());
    // The peer belongs to the veth object (rtnl_link_veth_get_peer takes a reference of its own).
    Link peer(rtnl_link_veth_get_peer(veth.get()));
    rtnl_link_set_name(peer.get(), peer_name.c_str());
    rtnl_link_set_ns_pid(peer.get(), pid);
    if (int code = rtnl_link_add(m_socket.get(), veth.get(), NLM_F_CREATE | NLM_F_EXCL); code < 0)
        return netlink_error(fmt::format("cannot create the veth pair {}", host_name), code);
    return {};
}

Result<void> RouteSocket::configure(const std::string& name, const NetworkAttachment& attachment)
{
    TRY(set_up(name, 0, attachment.mtu, &attachment.mac));
    auto index = TRY(index_of(name));
    auto local = TRY(ipv4_address(attachment.address, attachment.prefix_length));
    std::unique_ptr<rtnl_addr, void (*)(rtnl_addr*)> entry(rtnl_addr_alloc(), rtnl_addr_put);
    if (!entry)
        return make_error("out of memory");
    rtnl_addr_set_ifindex(entry.get(), index);
    rtnl_addr_set_local(entry.get(), local.get());
    rtnl_addr_set_prefixlen(entry.get(), attachment.prefix_length);
    if (int code = rtnl_addr_add(m_socket.get(), entry.get(), 0); code < 0)
        return netlink_error(fmt::format("cannot give {} the address {}", name, format_ipv4(attachment.address)), code);

    auto anywhere = TRY(ipv4_address(0, 0));
    auto gateway = TRY(ipv4_address(attachment.gateway, 32));
    std::unique_ptr<rtnl_route, void (*)(rtnl_route*)> route(rtnl_route_alloc(), rtnl_route_put);
    rtnl_nexthop* hop = rtnl_route_nh_alloc();
    if (!route || !hop)
        return make_error("out of memory");
    rtnl_route_set_family(route.get(), AF_INET);
    rtnl_route_set_dst(route.get(), anywhere.get());
    rtnl_route_nh_set_gateway(hop, gateway.get());
    rtnl_route_nh_set_ifindex(hop, index);
    rtnl_route_add_nexthop(route.get(), hop); // the route owns the hop from here
    if (int code = rtnl_route_add(m_socket.get(), route.get(), NLM_F_CREATE | NLM_F_EXCL); code < 0)
        return netlink_error(fmt::format("cannot route through {}", format_ipv4(attachment.gateway)), code);
    return {};
}

Result<void> join_bridge(const std::string& name, const std::string& bridge, uint32_t mtu)
{
    auto socket = TRY(RouteSocket::open());
    return socket.join_bridge(name, bridge, mtu);
}

namespace {

std::string forwarding_path(const std::string& link)
{
    return fmt::format("/proc/sys/net/ipv4/conf/{}/forwarding", link);
}

}

Result<bool> ipv4_forwarding(const std::string& link)
{
    auto value = TRY(read_small_file(forwarding_path(link), 16));
    return value.starts_with("1");
}

Result<void> set_ipv4_forwarding(const std::string& link, bool on)
{
    auto fd = TRY(open_file(forwarding_path(link), O_WRONLY | O_CLOEXEC));
    std::string_view value = on ? "1\n" : "0\n";
    return write_all(fd.get(), std::span(reinterpret_cast<const uint8_t*>(value.data()), value.size()));
}

}
