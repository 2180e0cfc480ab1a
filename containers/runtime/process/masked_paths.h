#pragma once

#include "containers/runtime/process/container_init.h"

#include <string>
#include <vector>

namespace vmlet {

// What Docker hides from a container in /proc and /sys, and what it leaves there read-only (moby
// daemon/pkg/oci/defaults.go, maskedPaths and readonlyPaths; OCI runtime spec config-linux.md,
// "Masked Paths" and "Readonly Paths"). Even without CAP_SYS_ADMIN the container's root owns files
// there whose reads tell of the host (/proc/kcore, /proc/keys, /proc/timer_list, the firmware's
// tables, the CPUs' power and thermal counters) or whose writes act on it (/proc/sysrq-trigger,
// /proc/sys). --privileged has none of them.

// The steps that mask and protect those paths in a container whose /proc and /sys are mounted at
// the host paths `proc` and `sys`: a masked directory gets an empty read-only tmpfs over it, a
// masked file /dev/null bound over it, as runc does; a read-only path is bound onto itself and
// remounted read-only. Which is which is read from the host's own /proc and /sys (the same
// kernel); what the host lacks needs no mask.
std::vector<InitStep> path_protection_steps(const std::string& proc, const std::string& sys);

}
