#pragma once

#include "containers/runtime/container_store.h"
#include "containers/runtime/process_table.h"
#include "vmm/base/result.h"

#include <vector>

namespace vmlet {

// The processes of a running container, by pid: a process container's from its cgroup's
// cgroup.procs and each one's /proc/PID (host pids); a VM container's as its agent reads them
// from the container's /proc (the guest's pids in the container's pid namespace, so its command
// is 1, as `docker top` shows a Kata container's).
Result<std::vector<ContainerProcess>> container_processes(const ContainerRecord& record);

}
