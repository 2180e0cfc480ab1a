#include "containers/cli/network_commands.h"

#include "containers/cli/with_record_store.h"
#include "containers/runtime/container_store.h"
#include "vmm/cli/usage_errors.h"
#include "containers/runtime/network/network_setup.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>

namespace vmlet {

namespace {

struct NetworkFlags {
    std::string name, subnet, gateway;
    std::vector<std::string> names;
};

Result<NetworkRequest> request_of(const NetworkFlags& flags)
{
    NetworkRequest request { .name = flags.name, .subnet = {}, .gateway = {} };
    if (!flags.subnet.empty()) {
        request.subnet = parse_subnet(flags.subnet);
        if (!request.subnet)
            return make_error("--subnet {}: use an IPv4 network as ADDRESS/PREFIX, prefix 8 to 30, with no host bits set (10.90.0.0/24)", flags.subnet);
    }
    if (!flags.gateway.empty()) {
        request.gateway = parse_ipv4(flags.gateway);
        if (!request.gateway)
            return make_error("--gateway {}: not an IPv4 address", flags.gateway);
    }
    return request;
}

std::string subnet_text(const Network& network)
{
    return fmt::format("{}/{}", format_ipv4(network.subnet), network.prefix_length);
}

// docker network inspect's shape, the fields vmlet has.
nlohmann::json inspect_json(const Network& network)
{
    nlohmann::json containers = nlohmann::json::object();
    for (const auto& [id, endpoint] : network.endpoints) {
        auto attachment = attachment_of(network, endpoint);
        containers[id] = { { "Name", endpoint.container_name }, { "MacAddress", format_mac(attachment.mac) },
            { "IPv4Address", fmt::format("{}/{}", format_ipv4(endpoint.address), network.prefix_length) }, { "Aliases", endpoint.aliases } };
    }
    return { { "Name", network.name }, { "Id", network.id }, { "Created", network.created }, { "Driver", "bridge" },
        { "IPAM", { { "Config", nlohmann::json::array({ { { "Subnet", subnet_text(network) }, { "Gateway", format_ipv4(network.gateway) } } }) } } },
        { "Options", { { "com.docker.network.bridge.name", network.bridge }, { "com.docker.network.driver.mtu", std::to_string(network.mtu) } } },
        { "Containers", containers } };
}

}

std::vector<Command> add_network_commands(CLI::App& app, const GlobalOptions& global)
{
    auto flags = std::make_shared<NetworkFlags>();
    auto* group = app.add_subcommand("network", "Networks: bridges with NAT to the outside that containers of both isolations join");
    group->require_subcommand(1);
    group->footer(R"(
Every container joins the network "bridge" (made on first use, 10.88.0.0/16) unless run with
--network NAME, none or host. On a network made here, containers find each other by name and
--network-alias; networks are kept apart from each other.)");

    auto* create = group->add_subcommand("create", "Create a network");
    create->add_option("name", flags->name, "The network's name")->required();
    create->add_option("--subnet", flags->subnet, "Its IPv4 subnet, ADDRESS/PREFIX (default: the next free 10.89.N.0/24)");
    create->add_option("--gateway", flags->gateway, "The host's address on it (default: the subnet's first)");
    auto* list = group->add_subcommand("ls", "List the networks");
    auto* inspect = group->add_subcommand("inspect", "Show networks in detail, as JSON");
    inspect->add_option("network", flags->names, "Names or ids")->required();
    auto* remove = group->add_subcommand("rm", "Remove networks that no running container is on");
    remove->add_option("network", flags->names, "Names or ids")->required();

    std::vector<Command> commands;
    commands.push_back({ create, [flags, &global] {
                            return with_record_store<NetworkStore>(global, [&](const NetworkStore& store) -> Result<void> {
                            auto request = TRY(request_of(*flags));
                            auto network = TRY(create_network(store, request));
                            fmt::print("{}\n", network.id);
                            return {};
                            });
                        } });
    commands.push_back({ list, [&global] {
                            return with_record_store<NetworkStore>(global, [&](const NetworkStore& store) -> Result<void> {
                            fmt::print("{:<12}  {:<20} {:<10} {:<18} {}\n", "NETWORK ID", "NAME", "BRIDGE", "SUBNET", "CONTAINERS");
                            for (const auto& network : TRY(store.list()))
                                fmt::print("{:<12}  {:<20} {:<10} {:<18} {}\n", network.id.substr(0, 12), network.name, network.bridge,
                                    subnet_text(network), network.endpoints.size());
                            return {};
                            });
                        } });
    commands.push_back({ inspect, [flags, &global] {
                            return with_record_store<NetworkStore>(global, [&](const NetworkStore& store) -> Result<void> {
                            return print_inspected(store, flags->names, [](const auto& record) { return inspect_json(record); });
                            });
                        } });
    commands.push_back({ remove, [flags, &global] {
                            return with_record_store<NetworkStore>(global, [&](const NetworkStore& store) -> Result<void> {
                            auto containers = TRY(ContainerStore::open(global.root));
                            for (const auto& name : flags->names) {
                                TRY(remove_network(store, name, [&](const std::string& id) { return container_gone(containers, id); }));
                                fmt::print("{}\n", name);
                            }
                            return {};
                            });
                        } });
    return commands;
}

}
