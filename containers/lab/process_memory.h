#pragma once

#include "vmm/base/result.h"

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace vmlet::lab {

// The proportional set size (PSS) of `pid` and every process below it, in bytes, from each one's
// /proc/PID/smaps_rollup: memory a process shares with others (a template's pages, libraries)
// counts a share for each, so the sum over several containers is what they cost together.
uint64_t pss_of_tree(pid_t pid);

// The pid of the monitor process of the container `id` in the store at `root` (from its record):
// the root of all its processes on the host, its VM's included.
Result<pid_t> monitor_pid_of(const std::string& root, const std::string& id);

}
