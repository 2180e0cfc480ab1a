#pragma once

#include "containers/cli/command.h"

#include <vector>

namespace vmlet {

// `vmlet vm status|pause|resume|snapshot|stop SOCKET`: a running microVM through its control
// socket (vmlet boot --api-socket).
Command add_vm_command(CLI::App& app);

}
