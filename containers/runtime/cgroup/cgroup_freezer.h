#pragma once

#include "vmm/base/result.h"

#include <string>
#include <vector>

namespace vmlet {

// Freezes or thaws every process of a container's cgroup (docker pause, unpause), through the
// freezer of whichever layout holds it: v2's cgroup.freeze (Documentation/admin-guide/cgroup-v2.rst,
// "Core Interface Files") or v1's freezer.state (Documentation/admin-guide/cgroup-v1/freezer-subsystem.rst).
// `directories` are the container's cgroups (Cgroup::directories(), the record's cgroups); returns
// once the kernel reports the change done, or an error after a few seconds.
enum class FreezerState { Frozen, Thawed };
Result<void> set_freezer_state(const std::vector<std::string>& directories, FreezerState state);

// The one of `directories` that has a freezer, and the file that drives it; empty when none has.
std::string freezer_control_file(const std::vector<std::string>& directories);

}
