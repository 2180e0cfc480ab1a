#pragma once

#include "containers/runtime/network/network_attachment.h"

#include <optional>
#include <string>
#include <vector>

namespace vmlet {

// One line of /etc/hosts: an address and the names it answers to.
struct HostEntry {
    std::string address;
    std::vector<std::string> names;
};

// What of a container's /etc/hosts is its own: localhost, its hostname on its network address
// (127.0.1.1 without one), and `extra` (--add-host), each a line.
std::string hosts_base(const std::string& hostname, const std::optional<NetworkAttachment>& network,
    const std::vector<HostEntry>& extra);
// The whole file: that base, then `peers` (the other containers of its network, by name and
// alias), which change as containers come and go (peer_hosts.h).
std::string hosts_file(const std::string& base, const std::vector<HostEntry>& peers);

// A container's /etc/resolv.conf from the host's: its "nameserver" lines for loopback addresses
// (127.0.0.0/8, ::1: systemd-resolved's stub, dnsmasq) cannot be reached from the container's own
// network namespace or VM and are dropped, as Docker does; `dns` (--dns) replaces every nameserver;
// and when none is left, Google's public resolvers stand in, also as Docker does.
std::string resolv_conf(const std::string& host_resolv_conf, const std::vector<std::string>& dns);

}
