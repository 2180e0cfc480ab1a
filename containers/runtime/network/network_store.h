#pragma once

#include "containers/runtime/network/name_files.h"
#include "containers/runtime/network/network_attachment.h"
#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vmlet {

// A container's endpoint on a network: the address it holds, and the names others find it by.
struct Endpoint {
    std::string container_id;
    std::string container_name;
    std::vector<std::string> aliases; // --network-alias
    uint32_t address { 0 };
};

// A vmlet network, as `network inspect` shows it: an IPv4 subnet on a host bridge.
struct Network {
    std::string name;
    std::string id;          // 64 hex digits, as Docker's
    std::string bridge;      // "vmlet<N>"
    uint32_t subnet { 0 };   // host byte order, the network's own address
    uint8_t prefix_length { 0 };
    uint32_t gateway { 0 };  // the bridge's address
    uint32_t mtu { 1500 };
    std::string created;     // RFC 3339
    std::map<std::string, Endpoint> endpoints; // by container id
};

// What `network create` was asked for: empty or zero means "choose".
struct NetworkRequest {
    std::string name;
    std::optional<std::pair<uint32_t, uint8_t>> subnet; // --subnet CIDR
    std::optional<uint32_t> gateway;                     // --gateway IP
};

// "10.88.0.0/16" into an address and a prefix length; nullopt unless the address is the
// subnet's own (no host bits set) and the prefix is 8 to 30 (room for a gateway and a container).
std::optional<std::pair<uint32_t, uint8_t>> parse_subnet(std::string_view cidr);

// The networks' records under ROOT/networks/, one JSON file each, changed under an flock(2) of
// ROOT/networks/lock so that vmlets running at once never hand out one address twice. Records
// survive restarts of vmlet; the bridges and firewall tables they stand for are made and removed
// with them (network_setup.h).
class NetworkStore {
public:
    // Docker's default network: made on first use, named "bridge", on podman's 10.88.0.0/16.
    static constexpr const char* kDefaultNetwork = "bridge";

    static Result<NetworkStore> open(const std::string& root);

    // Held while a change is made (the records and the host's links and rules together).
    Result<UniqueFd> lock() const;

    Result<std::vector<Network>> list() const;
    // By name, id or unambiguous id prefix.
    Result<Network> find(std::string_view name_or_id) const;
    // A new record, with its subnet, gateway and bridge chosen when not asked for; does not make
    // the bridge. Fails for a name in use, a subnet overlapping another network's.
    Result<Network> add(const NetworkRequest& request) const;
    Result<void> save(const Network& network) const;
    Result<void> remove(const Network& network) const;

    // An address for a container on `network` (`requested`, when --ip asked for one), recorded
    // under its id. Endpoints whose container `is_gone` says has gone are released first.
    Result<Endpoint> attach(Network& network, Endpoint endpoint, std::optional<uint32_t> requested,
        const std::function<bool(const std::string& container_id)>& is_gone) const;
    // Releases a container's address on every network; nothing when it holds none.
    Result<void> detach_everywhere(const std::string& container_id) const;

    // The links on which vmlet turned IPv4 forwarding on (network_setup.h), recorded so that the
    // last network's removal turns it off again.
    Result<std::vector<std::string>> forwarding_links() const;
    Result<void> set_forwarding_links(const std::vector<std::string>& links) const;

    const std::string& directory() const { return m_directory; }

private:
    explicit NetworkStore(std::string directory)
        : m_directory(std::move(directory))
    {
    }
    std::string path_of(const std::string& name) const;

    std::string m_directory;
};

// The container's attachment on `network` at `endpoint`, its MAC derived from the address (02:42
// and the four octets, as Docker does: unique on the network because the address is).
NetworkAttachment attachment_of(const Network& network, const Endpoint& endpoint);

// The other containers of `network`, by name and alias, for /etc/hosts (none on the default
// network, where Docker offers no names either).
std::vector<HostEntry> peers_of(const Network& network, const std::string& container_id);

}
