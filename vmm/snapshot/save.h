#pragma once

#include "vmm/base/result.h"
#include "vmm/vm/machine.h"

#include <string>

namespace vmlet {

// Saves a paused machine as a snapshot in `directory` (snapshot_file.h): created if missing, and
// refused if it holds anything. The files appear whole or not at all; on an error nothing is left.
Result<void> save_snapshot(Machine& machine, const std::string& directory);

}
