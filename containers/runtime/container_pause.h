#pragma once

#include "containers/runtime/container_store.h"
#include "vmm/base/result.h"

namespace vmlet {

// docker pause and unpause (https://docs.docker.com/engine/reference/commandline/pause/): a
// running container's processes stop being scheduled and keep all their state, until unpaused.
// Process isolation freezes the container's cgroup (cgroup_freezer.h); VM isolation pauses the
// VM's vCPUs through its monitor's control socket (vm_control.h), beside the agent's socket.
//
// That a container is paused is kept as a marker file beside its record, holding the pid of the
// monitor that runs it, so that a marker left by an earlier run never reads as paused.
Result<void> pause_container(const ContainerStore& store, const ContainerRecord& record);
Result<void> unpause_container(const ContainerStore& store, const ContainerRecord& record);

// Whether the running container `record` is paused (false once it is not running).
bool container_paused(const ContainerStore& store, const ContainerRecord& record);

}
