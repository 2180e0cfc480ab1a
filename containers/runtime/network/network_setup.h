#pragma once

#include "containers/runtime/network/network_store.h"
#include "vmm/base/result.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace vmlet {

// Whether a container that holds an address no longer runs (its record is gone, or its monitor).
using ContainerGone = std::function<bool(const std::string& container_id)>;

// What the host needs for a network, made and removed with its record, under the store's lock:
// its bridge with the gateway address, IPv4 forwarding on that bridge, its firewall table
// (firewall.h), and forwarding on the host's outside links (those of its IPv4 default routes)
// where it was off, so that NAT replies come back; those are recorded, guarded (firewall.h) and
// turned off again with the last network.

// `vmlet network create`.
Result<Network> create_network(const NetworkStore& store, const NetworkRequest& request);

// `vmlet network rm`: refused while a running container holds an address on it.
Result<void> remove_network(const NetworkStore& store, std::string_view name_or_id, const ContainerGone& gone);

// A container's address on network `name` (made on first use when it is the default one; its
// bridge made again after a reboot), with the /etc/hosts entries of the others on it.
struct NetworkJoin {
    NetworkAttachment attachment;
    std::vector<HostEntry> peers;
};
Result<NetworkJoin> join_network(const NetworkStore& store, const std::string& name, Endpoint endpoint,
    std::optional<uint32_t> requested, const ContainerGone& gone);

}
