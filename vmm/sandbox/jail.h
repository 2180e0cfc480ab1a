#pragma once

#include "vmm/base/result.h"

#include <sys/types.h>

#include <string>
#include <vector>

namespace vmlet {

// A host directory the jail still shows, at its own path, so that what the monitor was told
// (the vsock socket's PATH, a snapshot directory) means the same inside.
struct JailMount {
    std::string path; // absolute and normal
    bool writable { false };
};

struct JailOptions {
    uid_t uid { 65534 }; // nobody
    gid_t gid { 65534 }; // nogroup
    std::vector<JailMount> mounts;
    // A virtio-fs share's server runs in the monitor (devices/fs): it keeps the capabilities
    // kFileServerCapabilities lists, in its permitted and effective sets, and nothing else.
    bool file_server { false };
};

// What a file server acting for every guest user needs (devices/fs/credentials.h): to take each
// caller's IDs as its file-system IDs (CAP_SETUID, CAP_SETGID; setfsuid(2)), and, for a guest
// root, what host root may do to files (CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID),
// which the kernel takes from the effective set again whenever the file-system user is not 0. Not
// CAP_MKNOD: the server makes no device nodes (devices/fs/passthrough_fs.cpp). Not CAP_DAC_READ_SEARCH: CAP_DAC_OVERRIDE already reads and searches, and it would
// allow open_by_handle_at(2), a way out of any directory.
extern const int kFileServerCapabilities[6];

// `vmlet boot --jail`, after the monitor has opened everything it needs (KVM, disks, taps, its
// listening sockets, a snapshot's memory file) and before any thread starts (unshare(2) moves only
// the calling thread): new mount, network and IPC namespaces, whose root is an empty read-only
// tmpfs holding nothing but `mounts`; then the monitor runs as `uid`:`gid`, with no supplementary
// groups and no capabilities (none in any set, none left to gain: the bounding set emptied). It
// keeps its parent-death signal (--exit-with-parent), which the change of user would clear. No
// new PID namespace: one applies to the children of the process that makes it, and the monitor
// makes none; its threads could not even be made in one (clone(2), EINVAL). It signals only
// itself (its seccomp filter) and sees no /proc. With `file_server` it keeps the capabilities
// above: its seccomp filter allows no call that changes its user IDs, only setfsuid and setfsgid.
Result<void> enter_jail(const JailOptions& options);

}
