#pragma once

#include "vmm/base/result.h"
#include "vmm/vm/machine.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vmlet {

// Saves a paused machine as a snapshot in `directory` (snapshot_file.h): created if missing, and
// refused if it holds anything. The files appear whole or not at all; on an error nothing is left.
// `msrs` are the MSRs each vCPU's state holds (KvmSystem::saved_msr_indices, which a caller finds
// before its seccomp filter: that takes a scratch VM).
Result<void> save_snapshot(Machine& machine, const std::vector<uint32_t>& msrs, const std::string& directory);

}
