#pragma once

#include "containers/runtime/process/seccomp_profile.h"

namespace vmlet {

// Docker's default seccomp profile, as moby keeps it in profiles/seccomp/default.json and its
// documentation explains it ("Seccomp security profiles for Docker"): an allowlist, every other
// system call failing with EPERM. Among those left out: what the kernel does not namespace (the
// keyring: add_key, keyctl, request_key; the clock, the kernel's modules, swap, reboot, kexec,
// accounting), what reaches past the container (mount and the new mount API, unshare, setns,
// clone with namespace flags, bpf, perf_event_open, ptrace on old kernels, userfaultfd,
// open_by_handle_at, AF_VSOCK and AF_ALG sockets), and what is old or only for debugging
// (uselib, sysfs, ustat, nfsservctl, lookup_dcookie, vm86, kcmp). Many of these come back with
// the capability that would let a process use them anyway (CAP_SYS_ADMIN, CAP_SYS_TIME, ...).
const SeccompProfile& default_seccomp_profile();

}
