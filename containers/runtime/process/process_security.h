#pragma once

#include "vmm/base/result.h"
#include "containers/runtime/process/seccomp_filter.h"
#include "containers/runtime/security_options.h"

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <span>

namespace vmlet {

// A container's SecurityOptions made ready for the processes that enter it, its first one
// (container_init) and each `vmlet exec`'s (process_exec) alike: resolved by the parent, applied
// by the child with system calls only (no allocation: the child of a multi-threaded process may
// not, signal-safety(7)).
struct ProcessSecurity {
    uint64_t capabilities { 0 };   // what root keeps: bounding, permitted and effective (capabilities.h)
    int last_capability { 0 };     // /proc/sys/kernel/cap_last_cap
    bool no_new_privileges { true };
    std::optional<SeccompProgram> seccomp {}; // none: unconfined (--privileged, seccomp=unconfined)
};

// The capabilities by Docker's rules; no_new_privs unless asked otherwise; the seccomp filter of
// Docker's default profile (or the container's own, or none), made for those capabilities, as
// moby includes a profile's capability-dependent rules by the container's set.
Result<ProcessSecurity> resolve_process_security(const SecurityOptions& options);

// In the child, inside the container: drops the bounding set to the container's capabilities,
// becomes uid:gid with `groups`, and keeps the container's capabilities (root) or none (any other
// uid), nothing inheritable or ambient. Without no_new_privs the seccomp filter is loaded first,
// while CAP_SYS_ADMIN still allows it (seccomp(2)); the filter must then allow these calls, as
// Docker's does. nullptr on success; what failed otherwise, errno set.
const char* take_container_identity(const ProcessSecurity& security, uid_t uid, gid_t gid, std::span<const gid_t> groups);

// The last step before execve(2): no_new_privs, and then the seccomp filter, so that as few of the
// child's own calls as possible pass through it (runc does the same). nullptr on success.
const char* restrict_system_calls(const ProcessSecurity& security);

}
