#pragma once

#include "vmm/base/result.h"
#include "containers/runtime/container_store.h"

#include <string>

namespace vmlet {

// Releases what a container whose monitor died (SIGKILL, the OOM killer) left on the host, which
// the monitor would have released when the container exited: its processes (they die with the
// monitor, PR_SET_PDEATHSIG; a straggler is killed here), its cgroups, its rootfs mount and its
// VM's socket directory. `vmlet rm` calls it for such a container (ContainerRecord::abandoned)
// before it removes the container's directory. `state_dir` is that directory.
Result<void> reclaim_abandoned(const ContainerRecord& record, const std::string& state_dir);

}
