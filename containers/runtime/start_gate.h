#pragma once

#include "containers/runtime/sandbox.h"
#include "vmm/base/result.h"

namespace vmlet {

// A sandbox's side of StdioFds::ready and ::start_gate (an OCI runtime's create and start), for
// one that waits in its own process (a VM's, ready once its agent answers; a process container's
// init waits inside the container instead): says it is ready, then waits for the start. An error
// when the gate closed unwritten (the container was deleted before it started).
Result<void> wait_at_start_gate(const StdioFds& stdio);

}
