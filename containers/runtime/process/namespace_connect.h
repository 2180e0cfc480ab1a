#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"

#include <cstdint>

namespace vmlet {

// A TCP connection to 127.0.0.1:`port` in the network namespace of the process `pidfd` names.
// A socket belongs to the namespace it was created in (network_namespaces(7)), so a short-lived
// thread enters that namespace (setns(2) on a pidfd, Linux 5.8), creates and connects the socket,
// and the caller keeps using it from its own namespace: this is how `-p` reaches a container whose
// only interface is its own loopback.
Result<UniqueFd> connect_in_network_namespace(int pidfd, uint16_t port);

}
