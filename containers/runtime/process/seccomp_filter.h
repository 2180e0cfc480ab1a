#pragma once

#include "vmm/base/result.h"
#include "containers/runtime/process/seccomp_profile.h"

#include <linux/filter.h>

#include <vector>

namespace vmlet {

// A seccomp filter ready to load: classic BPF, as seccomp(2) takes it, and the flags to load it with.
struct SeccompProgram {
    std::vector<sock_filter> instructions;
    unsigned flags { 0 }; // SECCOMP_FILTER_FLAG_*

    bool operator==(const SeccompProgram& other) const;
};

// This host as a profile's conditions see it: its architecture and kernel, and the container's
// `capabilities`.
Result<SeccompHost> seccomp_host(uint64_t capabilities);

// The filter `profile` makes for a container on `host`, compiled by libseccomp (its rules for the
// host, its architectures) and exported, so that the child only loads it: libseccomp's own load
// would allocate. System calls libseccomp has no name for are passed over, as runc does; a rule
// that repeats the default action is dropped, as libseccomp refuses it. Errors name the rule.
Result<SeccompProgram> compile_seccomp(const SeccompProfile& profile, const SeccompHost& host);

// Loads `program` into the calling thread (seccomp(2), SECCOMP_SET_MODE_FILTER). Needs
// no_new_privs or CAP_SYS_ADMIN. A system call only: safe after fork. False with errno.
bool load_seccomp(const SeccompProgram& program);

}
