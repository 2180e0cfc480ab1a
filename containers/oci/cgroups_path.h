#pragma once

#include "vmm/base/result.h"

#include <string>
#include <string_view>
#include <vector>

namespace vmlet::oci {

// linux.cgroupsPath (config-linux.md "Control groups"), on a cgroup v1 host: the calling process
// (the container process) joins a cgroup at that path in each hierarchy of the memory, pids, cpu,
// cpuacct, devices, freezer and blkio controllers, made when missing, so that what the caller reads
// from the pid-file's process (containerd's task metrics, podman's stats) is the container's: its
// sandbox's own cgroup, with the limits, is made below it (vmlet/<id>). An absolute path starts at
// each hierarchy's root, a relative one at this process's cgroup; with --systemd-cgroup,
// "SLICE:PREFIX:NAME" is SLICE/PREFIX-NAME.scope, made directly (systemd is not asked, as on a host
// whose manager is cgroupfs). The directories joined are listed in `record` (one per line), for
// remove_cgroups_path; none on a cgroup v2 host, where a cgroup with processes cannot hold the
// sandbox's below it (cgroup-v2.rst, "no internal process").
Result<void> join_cgroups_path(std::string_view path, bool systemd, const std::string& record);

// What `record` lists (empty when it is missing): read before the container's directory goes.
std::string recorded_cgroups_path(const std::string& record);

// The cgroups `listed` names (recorded_cgroups_path), once their processes are gone: in each, the
// sandbox's own (vmlet/ID, left when its container process was killed), vmlet/, and then itself.
// Idempotent.
void remove_cgroups_path(std::string_view listed, const std::string& sandbox_id);

}
