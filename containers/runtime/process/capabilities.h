#pragma once

#include "vmm/base/result.h"

#include <cstdint>

// What root inside a container may do: Docker's default capability set, applied to the first
// process (container_init) and to `vmlet exec`'s (process_exec) alike.
namespace vmlet {

// Docker's default capability set (moby oci/caps/defaults.go), as a mask over CAP_* numbers.
uint64_t default_container_capabilities();

// The highest capability number this kernel knows (/proc/sys/kernel/cap_last_cap).
Result<int> last_capability();

// Drops from the bounding set every capability up to `last` that `mask` lacks, so that no later
// execve(2) of a file capability can bring one back. System calls only: safe after fork.
bool drop_bounding_capabilities(uint64_t mask, int last);

// Sets the effective, permitted and inheritable sets to `mask` (root keeps only these; a non-zero
// uid already lost them all at setuid). System calls only: safe after fork.
bool set_capabilities(uint64_t mask);

}
