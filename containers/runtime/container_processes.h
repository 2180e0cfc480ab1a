#pragma once

#include "containers/runtime/container_store.h"
#include "vmm/base/result.h"

#include <sys/types.h>

#include <string>
#include <vector>

namespace vmlet {

// One process of a container as `docker top` shows it by default (ps -ef's columns), with host pids.
struct ContainerProcess {
    uid_t uid { 0 };
    pid_t pid { 0 };
    pid_t ppid { 0 };
    std::string start_time; // HH:MM, local time, as ps's STIME
    std::string tty;        // "?" without one, else pts/N
    std::string cpu_time;   // HH:MM:SS of user and system time, as ps's TIME
    int cpu_percent { 0 };  // that time over its life so far, as ps's C
    std::string command;    // its arguments, or [comm] for a kernel-made one without
};

// The processes of a running process-isolation container, from its cgroup's cgroup.procs and
// each one's /proc/PID (proc(5)). A VM container's processes are in its guest: refused for now.
Result<std::vector<ContainerProcess>> container_processes(const ContainerRecord& record);

}
