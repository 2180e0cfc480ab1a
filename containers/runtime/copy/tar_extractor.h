#pragma once

#include "vmm/base/result.h"

#include <cstdint>
#include <string>

namespace vmlet {

// Unpacks the tar stream read from `in_fd` into the directory `destination_fd`, treating the stream
// as hostile (it may come from a container, or a guest): refuses, naming the entry, an absolute
// path, a ".." component, a path through a symlink (every directory on the way is opened with
// openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS below `destination_fd`), a hard link to anything
// outside what it resolves to the same way, and device nodes. Regular files, directories, symlinks
// (stored as they are: nothing here follows them) and FIFOs are made; what is in the way of an
// entry, other than a directory for a directory, is replaced, as docker cp does. Files are made
// with the entry's permission bits, owned by the caller (docker cp's default, without -a).
// More than `max_bytes` of file data is refused before it is written. With `only_under`, every
// entry and every hard link's target must be that name or below it: a tar that should hold one
// file or directory (a guest's, of the path asked for) cannot touch its siblings.
struct ExtractLimits {
    uint64_t max_bytes { UINT64_MAX };
    uint64_t max_entries { UINT64_MAX };
    std::string only_under {};
};
Result<void> extract_tar_beneath(int in_fd, int destination_fd, const ExtractLimits& limits = {});

}
