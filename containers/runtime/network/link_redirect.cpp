// A VM's card joined to the interface a network namespace's maker gave it (vmlet-runtime under
// podman or a CNI plugin): the namespace's interface read, and tc redirects both ways between it
// and the VM's tap (tc-mirred(8); Kata Containers' "tcfilter" interworking model).

#include "containers/runtime/network/links.h"

#include <netlink/netlink.h>
#include <netlink/route/act/mirred.h>
#include <netlink/route/action.h>
#include <netlink/route/addr.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/route.h>
#include <netlink/route/tc.h>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/tc_act/tc_mirred.h>
#include <net/if.h>

#include <algorithm>
#include <cstring>

namespace vmlet {

namespace {

template<typename T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* object) const { Free(object); }
};
using Cache = std::unique_ptr<nl_cache, Deleter<nl_cache, nl_cache_free>>;

Error netlink_failure(const std::string& what, int code)
{
    return Error(fmt::format("{}: {}", what, nl_geterror(code)));
}

void free_qdisc(rtnl_qdisc* qdisc) { rtnl_qdisc_put(qdisc); }
void free_cls(rtnl_cls* cls) { rtnl_cls_put(cls); }
void free_act(rtnl_act* act) { rtnl_act_put(act); }

}

Result<std::optional<NetworkAttachment>> RouteSocket::namespace_interface()
{
    nl_cache* raw = nullptr;
    if (int code = rtnl_link_alloc_cache(m_socket.get(), AF_UNSPEC, &raw); code < 0)
        return netlink_failure("cannot list the network interfaces", code);
    Cache links(raw);
    rtnl_link* found = nullptr;
    for (auto* object = nl_cache_get_first(links.get()); object; object = nl_cache_get_next(object)) {
        auto* link = reinterpret_cast<rtnl_link*>(object);
        if (rtnl_link_get_flags(link) & IFF_LOOPBACK)
            continue;
        if (found)
            return make_error("the network namespace has more than one interface ({} and {}): a VM takes one", rtnl_link_get_name(found),
                rtnl_link_get_name(link));
        found = link;
    }
    if (!found)
        return std::optional<NetworkAttachment>();

    NetworkAttachment attachment;
    attachment.network = "the namespace's";
    attachment.redirect_from = rtnl_link_get_name(found);
    attachment.mtu = rtnl_link_get_mtu(found);
    int index = rtnl_link_get_ifindex(found);
    auto* hardware = rtnl_link_get_addr(found);
    if (!hardware || nl_addr_get_len(hardware) != attachment.mac.size())
        return make_error("the interface {} has no Ethernet address", attachment.redirect_from);
    std::memcpy(attachment.mac.data(), nl_addr_get_binary_addr(hardware), attachment.mac.size());

    if (int code = rtnl_addr_alloc_cache(m_socket.get(), &raw); code < 0)
        return netlink_failure("cannot list the addresses", code);
    Cache addresses(raw);
    bool addressed = false;
    for (auto* object = nl_cache_get_first(addresses.get()); object && !addressed; object = nl_cache_get_next(object)) {
        auto* address = reinterpret_cast<rtnl_addr*>(object);
        auto* local = rtnl_addr_get_local(address);
        if (rtnl_addr_get_ifindex(address) != index || rtnl_addr_get_family(address) != AF_INET || !local || nl_addr_get_len(local) != 4)
            continue;
        uint32_t network_order = 0;
        std::memcpy(&network_order, nl_addr_get_binary_addr(local), 4);
        attachment.address = ntohl(network_order);
        attachment.prefix_length = static_cast<uint8_t>(rtnl_addr_get_prefixlen(address));
        addressed = true;
    }
    if (!addressed)
        return make_error("the interface {} has no IPv4 address", attachment.redirect_from);

    if (int code = rtnl_route_alloc_cache(m_socket.get(), AF_INET, 0, &raw); code < 0)
        return netlink_failure("cannot list the routes", code);
    Cache routes(raw);
    for (auto* object = nl_cache_get_first(routes.get()); object; object = nl_cache_get_next(object)) {
        auto* route = reinterpret_cast<rtnl_route*>(object);
        auto* destination = rtnl_route_get_dst(route);
        if (rtnl_route_get_table(route) != RT_TABLE_MAIN || (destination && nl_addr_get_prefixlen(destination) != 0) || rtnl_route_get_nnexthops(route) < 1)
            continue;
        auto* gateway = rtnl_route_nh_get_gateway(rtnl_route_nexthop_n(route, 0));
        if (gateway && nl_addr_get_len(gateway) == 4) {
            uint32_t network_order = 0;
            std::memcpy(&network_order, nl_addr_get_binary_addr(gateway), 4);
            attachment.gateway = ntohl(network_order);
        }
    }
    return std::optional<NetworkAttachment>(attachment);
}

Result<void> RouteSocket::redirect_both_ways(const std::string& tap, const std::string& interface, uint32_t mtu)
{
    TRY(set_up(tap, 0, mtu, nullptr));
    auto from_index = TRY(index_of(tap));
    auto to_index = TRY(index_of(interface));
    for (auto [from, to, name] : { std::tuple { from_index, to_index, tap }, std::tuple { to_index, from_index, interface } }) {
        std::unique_ptr<rtnl_qdisc, Deleter<rtnl_qdisc, free_qdisc>> qdisc(rtnl_qdisc_alloc());
        std::unique_ptr<rtnl_cls, Deleter<rtnl_cls, free_cls>> filter(rtnl_cls_alloc());
        std::unique_ptr<rtnl_act, Deleter<rtnl_act, free_act>> action(rtnl_act_alloc());
        if (!qdisc || !filter || !action)
            return make_error("out of memory");
        auto* qdisc_tc = reinterpret_cast<rtnl_tc*>(qdisc.get());
        rtnl_tc_set_ifindex(qdisc_tc, from);
        rtnl_tc_set_parent(qdisc_tc, TC_H_INGRESS);
        rtnl_tc_set_handle(qdisc_tc, TC_HANDLE(0xffff, 0));
        if (int code = rtnl_tc_set_kind(qdisc_tc, "ingress"); code < 0)
            return netlink_failure("the ingress qdisc", code);
        if (int code = rtnl_qdisc_add(m_socket.get(), qdisc.get(), NLM_F_CREATE | NLM_F_EXCL); code < 0)
            return netlink_failure(fmt::format("cannot add an ingress qdisc to {}", name), code);

        auto* action_tc = reinterpret_cast<rtnl_tc*>(action.get());
        if (int code = rtnl_tc_set_kind(action_tc, "mirred"); code < 0)
            return netlink_failure("the mirred action", code);
        rtnl_mirred_set_action(action.get(), TCA_EGRESS_REDIR);
        rtnl_mirred_set_policy(action.get(), TC_ACT_STOLEN);
        rtnl_mirred_set_ifindex(action.get(), static_cast<uint32_t>(to));

        auto* filter_tc = reinterpret_cast<rtnl_tc*>(filter.get());
        rtnl_tc_set_ifindex(filter_tc, from);
        rtnl_tc_set_parent(filter_tc, TC_HANDLE(0xffff, 0));
        // u32 with one key that every frame matches (0 under mask 0 at offset 0), not matchall,
        // which kernels built without NET_CLS_MATCHALL (this project's PVM hosts) lack.
        if (int code = rtnl_tc_set_kind(filter_tc, "u32"); code < 0)
            return netlink_failure("the u32 filter", code);
        rtnl_cls_set_protocol(filter.get(), ETH_P_ALL);
        rtnl_cls_set_prio(filter.get(), 1);
        if (int code = rtnl_u32_add_key_uint8(filter.get(), 0, 0, 0, 0); code < 0)
            return netlink_failure("the u32 key", code);
        rtnl_u32_set_cls_terminal(filter.get());
        if (int code = rtnl_u32_add_action(filter.get(), action.get()); code < 0)
            return netlink_failure("the redirect", code);
        if (int code = rtnl_cls_add(m_socket.get(), filter.get(), NLM_F_CREATE | NLM_F_EXCL); code < 0)
            return netlink_failure(fmt::format("cannot redirect {}'s frames", name), code);
    }
    return {};
}

Result<void> RouteSocket::remove_ingress(const std::string& interface)
{
    auto index = index_of(interface);
    if (!index.ok())
        return {};
    std::unique_ptr<rtnl_qdisc, Deleter<rtnl_qdisc, free_qdisc>> qdisc(rtnl_qdisc_alloc());
    if (!qdisc)
        return make_error("out of memory");
    auto* qdisc_tc = reinterpret_cast<rtnl_tc*>(qdisc.get());
    rtnl_tc_set_ifindex(qdisc_tc, index.value());
    rtnl_tc_set_parent(qdisc_tc, TC_H_INGRESS);
    rtnl_tc_set_handle(qdisc_tc, TC_HANDLE(0xffff, 0));
    if (int code = rtnl_qdisc_delete(m_socket.get(), qdisc.get()); code < 0 && code != -NLE_OBJ_NOTFOUND && code != -NLE_NODEV)
        return netlink_failure(fmt::format("cannot remove {}'s ingress qdisc", interface), code);
    return {};
}

}
