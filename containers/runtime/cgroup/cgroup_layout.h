#pragma once

#include "vmm/base/result.h"

#include <string>
#include <string_view>
#include <vector>

namespace vmlet {

enum class CgroupVersion {
    V1, // one hierarchy per controller (or per group of controllers), Documentation/admin-guide/cgroup-v1
    V2, // the unified hierarchy, Documentation/admin-guide/cgroup-v2.rst
};

// One controller vmlet limits and where the calling process sits for it.
struct CgroupController {
    std::string name;       // "memory", "pids", "cpu"
    std::string caller_dir; // the caller's own cgroup directory in the hierarchy that holds the controller
};

// Where a container's cgroups go: below the caller's own cgroup, in the hierarchies that hold the
// memory, pids and cpu controllers. Nesting under the caller keeps the container inside whatever limits
// and accounting the caller is already under (a service manager's, a CI job's).
struct CgroupLayout {
    CgroupVersion version { CgroupVersion::V1 };
    std::vector<CgroupController> controllers; // V1: those mounted; V2: all three, checked at creation
    std::string v2_mount_point;                // V2 only: the hierarchy's root, the fallback parent
    // V1 only: the caller's cgroup in the devices hierarchy, empty when none is mounted. (v2 has no
    // devices controller: a cgroup's devices are confined by a BPF program, device_cgroup.h.)
    std::string v1_devices_dir {};
    // V1 only: the caller's cgroup in the freezer hierarchy (pause, unpause), empty when none is
    // mounted. (v2 has cgroup.freeze in every cgroup.)
    std::string v1_freezer_dir {};
};

// The controllers vmlet uses, in the order it sets them up.
inline constexpr std::string_view cgroup_controller_names[] = { "memory", "pids", "cpu" };

// Decides from the texts of /proc/self/mountinfo and /proc/self/cgroup (parsed, not read, so the choice is
// testable). A host with any of the three controllers on a v1 hierarchy is treated as v1 (a "hybrid" host's
// cgroup2 mount then holds no controllers), its devices hierarchy found too; otherwise the cgroup2 mount is
// used.
Result<CgroupLayout> find_cgroup_layout(std::string_view mountinfo, std::string_view proc_self_cgroup);

// Reads the two files of the calling process.
Result<CgroupLayout> find_cgroup_layout();

}
