#pragma once

#include "vmm/base/result.h"
#include "containers/runtime/container_store.h"
#include "containers/runtime/exec_request.h"

namespace vmlet {

// Runs `request` in the process container `record` and returns its exit status (Docker's: 126/127
// when it cannot run or is not found, 125 when vmlet cannot get it into the container). The new
// process joins the container's cgroups and then its mount, UTS, IPC, network, cgroup and pid
// namespaces (setns(2) on a pidfd of the container's first process; a fork puts it in the pid
// namespace), runs as the container's user (resolved in the container's own /etc/passwd) with the
// capabilities, no_new_privs and seccomp filter of the container's record, as the first process
// does, and takes none of vmlet's descriptors in. Its standard streams are vmlet's, or
// with request.terminal a terminal of the container's devpts (its controlling one, in a session
// of its own) that vmlet relays to its own and resizes with it; the caller makes its own raw.
Result<int> exec_in_process_container(const ContainerRecord& record, const ExecRequest& request);

}
