#pragma once

#include "vmm/base/result.h"
#include "containers/runtime/process/seccomp_profile.h"

#include <string_view>

namespace vmlet {

// A seccomp profile in moby's JSON format, as `docker run --security-opt seccomp=FILE` takes it
// (moby profiles/seccomp/seccomp.go over the OCI runtime spec's LinuxSeccomp): defaultAction,
// defaultErrnoRet, architectures or archMap, flags, and syscalls with names (or the older name),
// action, errnoRet, args (index, value, valueTwo, op) and includes/excludes (caps, arches,
// minKernel "MAJOR.MINOR"). Unknown fields are passed over, as Go's decoder does; a field of the
// wrong type, an unknown action, operator or flag, both name and names, both architectures and
// archMap, an argument index past 5 and SCMP_ACT_NOTIFY (vmlet has no listener) are one-line
// errors. Unlike moby, a profile without defaultAction is refused rather than taken for
// "unconfined", which is spelt seccomp=unconfined. The text is untrusted: tests/fuzz has a target.
Result<SeccompProfile> parse_seccomp_profile(std::string_view json);

}
