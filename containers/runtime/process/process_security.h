#pragma once

#include "vmm/base/result.h"
#include "containers/runtime/security_options.h"

#include <sys/types.h>

#include <cstdint>
#include <span>

namespace vmlet {

// A container's SecurityOptions made ready for the processes that enter it, its first one
// (container_init) and each `vmlet exec`'s (process_exec) alike: resolved by the parent, applied
// by the child with system calls only (no allocation: the child of a multi-threaded process may
// not, signal-safety(7)).
struct ProcessSecurity {
    uint64_t capabilities { 0 }; // what root keeps: bounding, permitted and effective (capabilities.h)
    int last_capability { 0 };   // /proc/sys/kernel/cap_last_cap
};

Result<ProcessSecurity> resolve_process_security(const SecurityOptions& options);

// In the child, inside the container: drops the bounding set to the container's capabilities,
// becomes uid:gid with `groups`, and keeps the container's capabilities (root) or none (any other
// uid), nothing inheritable or ambient. nullptr on success; what failed otherwise, errno set.
const char* take_container_identity(const ProcessSecurity& security, uid_t uid, gid_t gid, std::span<const gid_t> groups);

}
