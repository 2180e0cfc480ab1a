#include "containers/runtime/network/network_store.h"

#include "containers/runtime/container_store.h"
#include "vmm/base/file.h"
#include "vmm/base/random_hex.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace vmlet {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr size_t kMaxRecord = 4 << 20;
constexpr const char* kForwardingFile = "forwarding.json";
// Docker's default bridge is 172.17.0.0/16; podman's 10.88.0.0/16, and its user networks
// 10.89.N.0/24: vmlet follows podman, whose addresses collide less with home and office LANs.
constexpr uint32_t kDefaultSubnet = 0x0a580000; // 10.88.0.0/16
constexpr uint32_t kUserSubnetBase = 0x0a590000; // 10.89.0.0/24, 10.89.1.0/24, ...
constexpr int kMaxBridges = 10000;             // "vmlet9999" fits IFNAMSIZ

uint32_t mask_of(uint8_t prefix_length)
{
    return prefix_length == 0 ? 0 : ~uint32_t(0) << (32 - prefix_length);
}

uint32_t broadcast_of(const Network& network)
{
    return network.subnet | ~mask_of(network.prefix_length);
}

bool contains(const Network& network, uint32_t address)
{
    return (address & mask_of(network.prefix_length)) == network.subnet;
}

bool overlaps(uint32_t a, uint8_t a_length, uint32_t b, uint8_t b_length)
{
    auto shorter = std::min(a_length, b_length);
    return (a & mask_of(shorter)) == (b & mask_of(shorter));
}

// Docker's rule for network names (moby's restrictedNamePattern); "none" and "host" are modes.
Result<void> check_name(const std::string& name)
{
    auto allowed = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-'; };
    if (name.empty() || name.size() > 64 || !std::isalnum(static_cast<unsigned char>(name.front()))
        || !std::all_of(name.begin(), name.end(), allowed))
        return make_error("invalid network name \"{}\": use letters, digits, '_', '.', '-', starting with a letter or digit", name);
    if (name == "none" || name == "host")
        return make_error("the network name \"{}\" is reserved for --network {}", name, name);
    return {};
}

json to_json(const Network& network)
{
    json endpoints = json::object();
    for (const auto& [id, endpoint] : network.endpoints)
        endpoints[id] = { { "name", endpoint.container_name }, { "aliases", endpoint.aliases }, { "address", format_ipv4(endpoint.address) } };
    return { { "name", network.name }, { "id", network.id }, { "bridge", network.bridge },
        { "subnet", fmt::format("{}/{}", format_ipv4(network.subnet), network.prefix_length) },
        { "gateway", format_ipv4(network.gateway) }, { "mtu", network.mtu }, { "created", network.created },
        { "endpoints", endpoints } };
}

Result<uint32_t> address_field(const json& object, const char* key)
{
    if (!object.contains(key) || !object[key].is_string())
        return make_error("no {}", key);
    auto address = parse_ipv4(object[key].get<std::string>());
    if (!address)
        return make_error("{} is not an IPv4 address", key);
    return *address;
}

Result<Network> network_from_json(const json& object)
{
    Network network;
    for (auto [key, field] : { std::pair { "name", &network.name }, { "id", &network.id }, { "bridge", &network.bridge }, { "created", &network.created } }) {
        if (!object.contains(key) || !object[key].is_string())
            return make_error("no {}", key);
        *field = object[key].get<std::string>();
    }
    auto subnet = object.contains("subnet") && object["subnet"].is_string() ? parse_subnet(object["subnet"].get<std::string>()) : std::nullopt;
    if (!subnet)
        return make_error("no valid subnet");
    std::tie(network.subnet, network.prefix_length) = *subnet;
    network.gateway = TRY(address_field(object, "gateway"));
    if (object.contains("mtu") && object["mtu"].is_number_unsigned())
        network.mtu = object["mtu"].get<uint32_t>();
    if (object.contains("endpoints") && object["endpoints"].is_object()) {
        for (const auto& [id, value] : object["endpoints"].items()) {
            Endpoint endpoint;
            endpoint.container_id = id;
            if (value.contains("name") && value["name"].is_string())
                endpoint.container_name = value["name"].get<std::string>();
            if (value.contains("aliases") && value["aliases"].is_array()) {
                for (const auto& alias : value["aliases"])
                    if (alias.is_string())
                        endpoint.aliases.push_back(alias.get<std::string>());
            }
            endpoint.address = TRY(address_field(value, "address"));
            network.endpoints[id] = std::move(endpoint);
        }
    }
    return network;
}

Result<Network> read_network(const std::string& path)
{
    auto text = TRY(read_small_file(path, kMaxRecord));
    auto object = json::parse(text, nullptr, false);
    if (object.is_discarded() || !object.is_object())
        return make_error("{} is not a network record", path);
    return TRY_CONTEXT(network_from_json(object), fmt::format("the network record {}", path));
}

}

std::optional<std::pair<uint32_t, uint8_t>> parse_subnet(std::string_view cidr)
{
    auto slash = cidr.find('/');
    if (slash == std::string_view::npos)
        return std::nullopt;
    auto address = parse_ipv4(cidr.substr(0, slash));
    auto length_text = cidr.substr(slash + 1);
    if (!address || length_text.empty() || length_text.size() > 2 || !std::all_of(length_text.begin(), length_text.end(), ::isdigit))
        return std::nullopt;
    int length = std::stoi(std::string(length_text));
    if (length < 8 || length > 30 || (*address & ~mask_of(uint8_t(length))) != 0)
        return std::nullopt;
    return std::pair { *address, uint8_t(length) };
}

Result<NetworkStore> NetworkStore::open(const std::string& root)
{
    auto directory = root + "/networks";
    if (::mkdir(directory.c_str(), 0700) < 0 && errno != EEXIST)
        return errno_error(fmt::format("cannot create {}", directory));
    return NetworkStore(directory);
}

Result<UniqueFd> NetworkStore::lock() const
{
    return std::move(*TRY(lock_file(m_directory + "/lock")));
}

std::string NetworkStore::path_of(const std::string& name) const
{
    return m_directory + "/" + name + ".json";
}

Result<std::vector<Network>> NetworkStore::list() const
{
    std::vector<Network> networks;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(m_directory, error)) {
        auto name = entry.path().filename().string();
        if (!name.ends_with(".json") || name == kForwardingFile)
            continue;
        networks.push_back(TRY(read_network(entry.path().string())));
    }
    if (error)
        return make_error("cannot list {}: {}", m_directory, error.message());
    std::ranges::sort(networks, {}, &Network::name);
    return networks;
}

Result<Network> NetworkStore::find(std::string_view name_or_id) const
{
    std::vector<Network> matches;
    for (auto& network : TRY(list())) {
        if (network.name == name_or_id)
            return network;
        if (name_or_id.size() >= 3 && network.id.starts_with(name_or_id))
            matches.push_back(std::move(network));
    }
    if (matches.size() == 1)
        return matches.front();
    if (matches.size() > 1)
        return make_error("network id prefix \"{}\" is ambiguous", name_or_id);
    return make_error("no such network: {}", name_or_id);
}

Result<Network> NetworkStore::add(const NetworkRequest& request) const
{
    TRY(check_name(request.name));
    auto existing = TRY(list());
    if (std::ranges::any_of(existing, [&](const Network& network) { return network.name == request.name; }))
        return make_error("network with name {} already exists", request.name);
    Network network;
    network.name = request.name;
    network.id = random_hex(32);
    network.created = now_rfc3339();
    for (int index = 0; index < kMaxBridges && network.bridge.empty(); ++index) {
        auto bridge = fmt::format("vmlet{}", index);
        if (std::ranges::none_of(existing, [&](const Network& other) { return other.bridge == bridge; }))
            network.bridge = bridge;
    }
    if (network.bridge.empty())
        return make_error("no bridge name is left for another network");

    auto overlapping = [&](uint32_t subnet, uint8_t length) {
        return std::ranges::find_if(existing, [&](const Network& other) { return overlaps(subnet, length, other.subnet, other.prefix_length); });
    };
    if (request.subnet) {
        std::tie(network.subnet, network.prefix_length) = *request.subnet;
        if (auto other = overlapping(network.subnet, network.prefix_length); other != existing.end())
            return make_error("the subnet {}/{} overlaps network {}'s", format_ipv4(network.subnet), network.prefix_length, other->name);
    } else if (request.name == kDefaultNetwork && overlapping(kDefaultSubnet, 16) == existing.end()) {
        network.subnet = kDefaultSubnet;
        network.prefix_length = 16;
    } else {
        for (uint32_t index = 0; index < 256 && network.prefix_length == 0; ++index) {
            if (overlapping(kUserSubnetBase + (index << 8), 24) == existing.end()) {
                network.subnet = kUserSubnetBase + (index << 8);
                network.prefix_length = 24;
            }
        }
        if (network.prefix_length == 0)
            return make_error("no free subnet is left in 10.89.0.0/16: give one with --subnet");
    }
    network.gateway = request.gateway.value_or(network.subnet + 1);
    if (!contains(network, network.gateway) || network.gateway == network.subnet || network.gateway == broadcast_of(network))
        return make_error("the gateway {} is not a host address of the subnet {}/{}", format_ipv4(network.gateway),
            format_ipv4(network.subnet), network.prefix_length);
    TRY(save(network));
    return network;
}

Result<void> NetworkStore::save(const Network& network) const
{
    return replace_file(path_of(network.name), to_json(network).dump(2) + "\n");
}

Result<void> NetworkStore::remove(const Network& network) const
{
    if (::unlink(path_of(network.name).c_str()) < 0 && errno != ENOENT)
        return errno_error(fmt::format("cannot remove network {}", network.name));
    return {};
}

Result<Endpoint> NetworkStore::attach(Network& network, Endpoint endpoint, std::optional<uint32_t> requested,
    const std::function<bool(const std::string&)>& is_gone) const
{
    std::erase_if(network.endpoints, [&](const auto& entry) { return entry.first != endpoint.container_id && is_gone(entry.first); });
    network.endpoints.erase(endpoint.container_id);
    auto taken = [&](uint32_t address) {
        return address == network.gateway || std::ranges::any_of(network.endpoints, [&](const auto& entry) { return entry.second.address == address; });
    };
    if (requested) {
        if (!contains(network, *requested) || *requested == network.subnet || *requested == broadcast_of(network))
            return make_error("the address {} is not in network {}'s subnet {}/{}", format_ipv4(*requested), network.name,
                format_ipv4(network.subnet), network.prefix_length);
        if (taken(*requested))
            return make_error("the address {} is already in use on network {}", format_ipv4(*requested), network.name);
        endpoint.address = *requested;
    } else {
        for (uint32_t address = network.subnet + 1; address < broadcast_of(network) && endpoint.address == 0; ++address) {
            if (!taken(address))
                endpoint.address = address;
        }
        if (endpoint.address == 0)
            return make_error("network {} has no free address left", network.name);
    }
    network.endpoints[endpoint.container_id] = endpoint;
    TRY(save(network));
    return endpoint;
}

Result<void> NetworkStore::detach_everywhere(const std::string& container_id) const
{
    for (auto& network : TRY(list())) {
        if (network.endpoints.erase(container_id))
            TRY(save(network));
    }
    return {};
}

Result<std::vector<std::string>> NetworkStore::forwarding_links() const
{
    auto path = m_directory + "/" + kForwardingFile;
    if (!fs::exists(path))
        return std::vector<std::string>();
    auto object = json::parse(TRY(read_small_file(path, kMaxRecord)), nullptr, false);
    std::vector<std::string> links;
    if (object.is_array()) {
        for (const auto& link : object)
            if (link.is_string())
                links.push_back(link.get<std::string>());
    }
    return links;
}

Result<void> NetworkStore::set_forwarding_links(const std::vector<std::string>& links) const
{
    auto path = m_directory + "/" + kForwardingFile;
    if (links.empty()) {
        if (::unlink(path.c_str()) < 0 && errno != ENOENT)
            return errno_error(fmt::format("cannot remove {}", path));
        return {};
    }
    return replace_file(path, json(links).dump() + "\n");
}

NetworkAttachment attachment_of(const Network& network, const Endpoint& endpoint)
{
    NetworkAttachment attachment;
    attachment.network = network.name;
    attachment.bridge = network.bridge;
    attachment.mac = { 0x02, 0x42, uint8_t(endpoint.address >> 24), uint8_t(endpoint.address >> 16), uint8_t(endpoint.address >> 8), uint8_t(endpoint.address) };
    attachment.address = endpoint.address;
    attachment.prefix_length = network.prefix_length;
    attachment.gateway = network.gateway;
    attachment.mtu = network.mtu;
    return attachment;
}

std::vector<HostEntry> peers_of(const Network& network, const std::string& container_id)
{
    std::vector<HostEntry> peers;
    if (network.name == NetworkStore::kDefaultNetwork)
        return peers;
    for (const auto& [id, endpoint] : network.endpoints) {
        if (id == container_id)
            continue;
        HostEntry entry { .address = format_ipv4(endpoint.address), .names = {} };
        if (!endpoint.container_name.empty())
            entry.names.push_back(endpoint.container_name);
        entry.names.insert(entry.names.end(), endpoint.aliases.begin(), endpoint.aliases.end());
        entry.names.push_back(id.substr(0, 12));
        peers.push_back(std::move(entry));
    }
    return peers;
}

}
