#pragma once

#include "vmm/base/result.h"

#include <cstdint>
#include <string>

namespace vmlet {

// Puts the host's link `name` (a container's tap or veth end) on `bridge`, with `mtu`, and brings
// it up (rtnetlink through libnl-route-3).
Result<void> join_bridge(const std::string& name, const std::string& bridge, uint32_t mtu);

}
