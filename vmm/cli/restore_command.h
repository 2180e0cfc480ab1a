#pragma once

#include "vmm/cli/command.h"

namespace vmlet {

// `vmlet restore DIR`: a microVM from a snapshot, going on where it was saved.
Command add_restore_command(CLI::App& app);

}
