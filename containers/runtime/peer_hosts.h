#pragma once

#include "containers/runtime/container_store.h"

#include <string>

namespace vmlet {

// The name of the file beside a container's record that holds what of its /etc/hosts is its own
// (name_files.h, hosts_base); only containers on a user network have one.
inline constexpr const char* kHostsBaseFile = "hosts.base";

// Containers on a user network find each other by name through /etc/hosts (README "Networks"):
// when one joins, exits or is removed, every running container of `network` gets its file
// written anew, its own lines and then the running others'. A process container's /etc/hosts is
// a bind mount of the file beside its record, rewritten in place so that the mount sees it; a VM
// container's agent writes its own (vm_hosts.h). Best effort: a container going away meanwhile is
// no error.
void refresh_peer_hosts(const std::string& root, const ContainerStore& containers, const std::string& network);

}
