#pragma once

#include "vmm/base/result.h"

#include <string>
#include <string_view>

namespace vmlet {

// Whether a container may set kernel parameter `name` (dotted: "net.ipv4.ping_group_range"):
// only those of namespaces the container has of its own (runc's validateSysctl; sysctl(8),
// namespaces(7)): its IPC namespace's kernel.msg*, kernel.sem, kernel.shm* and fs.mqueue.*,
// and with `own_network` its network namespace's net.*. Anything else would change the host.
Result<void> check_sysctl(std::string_view name, bool own_network);

// The file under a mounted /proc (`proc`, a host path) that holds a checked `name`.
Result<std::string> sysctl_file(const std::string& proc, std::string_view name);

}
