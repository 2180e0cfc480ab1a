#pragma once

#include "vmm/base/result.h"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace vmlet {

// `--cgroup DIR` (repeatable) on boot and restore: cgroups the VM process joins before it maps guest
// RAM or starts a thread, so that everything the VM uses (its RAM, the kernel's memory for it, its
// vCPUs' time) is charged to and limited by them. The caller made them and wrote their limits, as
// Firecracker's jailer does; vmlet's VM containers give one per hierarchy (cgroup v1) or one (v2).
void add_cgroup_flag(CLI::App& command, std::vector<std::string>& directories);

// Moves this process, still single-threaded, into each directory (writing "0" to its cgroup.procs
// moves the writer: Documentation/admin-guide/cgroup-v2.rst, "Organizing Processes and Threads").
Result<void> join_cgroups(const std::vector<std::string>& directories);

}
