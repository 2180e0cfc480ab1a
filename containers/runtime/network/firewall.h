#pragma once

#include "vmm/base/result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vmlet {

// vmlet's firewall rules, each set in an nftables table of its own (nft(8); libnftables), so that
// making and removing them changes nothing else on the host, whatever else (iptables-nft, firewalld,
// Docker) keeps its own tables there.

// The table of one network, named after its bridge: masquerade for its subnet's packets that leave
// through any other link (NAT to the outside, as Docker's bridge networks), and no forwarding
// between its bridge and another vmlet network's (bridges are named "vmlet<N>"), which keeps
// networks apart as Docker's isolation chains do.
Result<void> add_network_table(const std::string& bridge, uint32_t subnet, uint8_t prefix_length);

// The shared table for the host's outside links on which vmlet switched IPv4 forwarding on (so that
// NAT replies reach the bridges): forwarding from them stays what it was before for everything
// but those replies (new connections in are dropped; established and related ones pass).
Result<void> set_outside_guard(const std::vector<std::string>& links);

// Removes a table made above ("vmlet0", or kOutsideGuardTable); one that is gone is no error.
Result<void> remove_table(const std::string& name);
bool has_table(const std::string& name);

inline constexpr const char* kOutsideGuardTable = "vmlet_outside";

}
