#pragma once

#include "vmm/base/unique_fd.h"

#include <sys/stat.h>

#include <cstdint>
#include <string_view>

namespace vmlet::fs {

// The host calls every lookup and creation goes through, each answering 0 or an errno.

// `name` (one component) under `directory` with openat2(2): RESOLVE_BENEATH (nothing above
// `directory`), RESOLVE_NO_SYMLINKS and RESOLVE_NO_MAGICLINKS (no link followed, /proc's
// included), O_NOFOLLOW (a final symbolic link is opened as itself with O_PATH, refused
// otherwise) and O_CLOEXEC added to `flags`.
int open_beneath(int directory, std::string_view name, int flags, mode_t mode, UniqueFd& out);

// The file behind a descriptor, a symbolic link itself included.
int stat_of(int fd, struct stat& out);

// faccessat2(2) with AT_EACCESS: the thread's file-system IDs decide.
int check_access(int directory, const char* name, int mask);

}
