#include "containers/runtime/network/network_setup.h"

#include "containers/runtime/network/firewall.h"
#include "containers/runtime/network/links.h"
#include "vmm/base/file.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <sstream>

namespace vmlet {

namespace {

// The links of this network namespace's IPv4 default routes (/proc/net/route: a destination and a
// mask of 00000000; proc(5)).
std::vector<std::string> outside_links()
{
    std::vector<std::string> links;
    auto table = read_small_file("/proc/net/route", 1 << 20);
    if (!table.ok())
        return links;
    std::istringstream lines(table.value());
    std::string line;
    std::getline(lines, line); // the header
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        std::string link, destination, gateway, flags, references, use, metric, mask;
        fields >> link >> destination >> gateway >> flags >> references >> use >> metric >> mask;
        if (destination == "00000000" && mask == "00000000" && std::ranges::find(links, link) == links.end())
            links.push_back(link);
    }
    return links;
}

// Turns forwarding on for the outside links where it is off, and records and guards them.
Result<void> open_outside_links(const NetworkStore& store)
{
    auto opened = TRY(store.forwarding_links());
    bool changed = false;
    for (const auto& link : outside_links()) {
        if (link.starts_with("vmlet") || std::ranges::find(opened, link) != opened.end())
            continue;
        if (TRY(ipv4_forwarding(link)))
            continue;
        // Recorded before it is switched, so that a crash in between leaves nothing unrecorded.
        opened.push_back(link);
        TRY(store.set_forwarding_links(opened));
        TRY(set_ipv4_forwarding(link, true));
        changed = true;
    }
    if (changed || (!opened.empty() && !has_table(kOutsideGuardTable)))
        TRY(set_outside_guard(opened));
    return {};
}

// The last network is gone: forwarding goes back to what it was where vmlet turned it on.
Result<void> close_outside_links(const NetworkStore& store)
{
    for (const auto& link : TRY(store.forwarding_links()))
        (void)set_ipv4_forwarding(link, false); // a link that has gone since needs nothing
    TRY(remove_table(kOutsideGuardTable));
    return store.set_forwarding_links({});
}

Result<void> tear_down(const Network& network)
{
    auto socket = TRY(RouteSocket::open());
    TRY(remove_table(network.bridge));
    return socket.remove_link(network.bridge);
}

// Makes what the host needs for `network`, unless its bridge is already there.
Result<void> bring_up(const NetworkStore& store, const Network& network)
{
    auto socket = TRY(RouteSocket::open());
    if (socket.has_link(network.bridge) && has_table(network.bridge))
        return {};
    auto made = [&]() -> Result<void> {
        if (!socket.has_link(network.bridge))
            TRY(socket.add_bridge(network.bridge, network.gateway, network.prefix_length, network.mtu));
        TRY(set_ipv4_forwarding(network.bridge, true));
        TRY(add_network_table(network.bridge, network.subnet, network.prefix_length));
        return open_outside_links(store);
    }();
    if (!made.ok())
        (void)tear_down(network);
    return made;
}

void prune(const NetworkStore& store, Network& network, const ContainerGone& gone)
{
    if (std::erase_if(network.endpoints, [&](const auto& entry) { return gone(entry.first); }) > 0)
        (void)store.save(network);
}

}

Result<Network> create_network(const NetworkStore& store, const NetworkRequest& request)
{
    auto lock = TRY(store.lock());
    auto network = TRY(store.add(request));
    auto made = bring_up(store, network);
    if (!made.ok()) {
        (void)store.remove(network);
        if (TRY(store.list()).empty())
            (void)close_outside_links(store);
        return made.release_error();
    }
    return network;
}

Result<void> remove_network(const NetworkStore& store, std::string_view name_or_id, const ContainerGone& gone)
{
    auto lock = TRY(store.lock());
    auto network = TRY(store.find(name_or_id));
    prune(store, network, gone);
    if (!network.endpoints.empty()) {
        std::vector<std::string> names;
        for (const auto& [id, endpoint] : network.endpoints)
            names.push_back(endpoint.container_name.empty() ? id.substr(0, 12) : endpoint.container_name);
        return make_error("network {} has active endpoints: {}", network.name, fmt::join(names, ", "));
    }
    TRY(tear_down(network));
    TRY(store.remove(network));
    if (TRY(store.list()).empty())
        TRY(close_outside_links(store));
    return {};
}

Result<NetworkJoin> join_network(const NetworkStore& store, const std::string& name, Endpoint endpoint,
    std::optional<uint32_t> requested, const ContainerGone& gone)
{
    auto lock = TRY(store.lock());
    auto found = store.find(name);
    Network network;
    if (found.ok()) {
        network = found.release_value();
    } else if (name == NetworkStore::kDefaultNetwork) {
        network = TRY(store.add({ .name = name, .subnet = {}, .gateway = {} }));
    } else {
        return found.release_error();
    }
    TRY(bring_up(store, network));
    auto joined = TRY(store.attach(network, std::move(endpoint), requested, gone));
    return NetworkJoin { .attachment = attachment_of(network, joined), .peers = peers_of(network, joined.container_id) };
}

}
