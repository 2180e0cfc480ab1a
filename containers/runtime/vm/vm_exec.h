#pragma once

#include "vmm/base/result.h"
#include "containers/runtime/container_store.h"
#include "containers/runtime/exec_request.h"
#include "containers/runtime/user_lookup.h"

namespace vmlet {

// Runs `request` in the vm container `record` and returns its exit status (Docker's: 126/127 when
// it cannot run or is not found). vmlet reaches the guest agent through the VM's vsock device
// (the agent's exec port, guest/agent/agent_protocol.h "Exec"), which starts the command in the
// container's root and cgroup with standard streams of its own; the container's monitor is not
// involved. `user` comes resolved from the image (resolve_user_in_layers). SIGINT, SIGTERM and
// SIGHUP sent to vmlet reach the command. With request.terminal the agent makes the command's
// terminal in the VM; the caller puts its own in raw mode. When the container stops first, the agent has killed
// the command: 137.
Result<int> exec_in_vm_container(const ContainerRecord& record, const ExecRequest& request, const ExecUser& user);

}
