#pragma once

#include "vmm/base/result.h"

#include <string>

namespace vmlet {

// One file or directory tree to put in a tar: the entry `name` of the directory `parent_fd`, never
// followed if it is a symlink, stored as `archive_name` (its children below it). With
// `contents_only` (docker cp's "SRC/."), a directory's children are stored at the top instead, and
// the directory itself not at all.
struct TreeSource {
    int parent_fd { -1 };
    std::string name;
    std::string archive_name;
    bool contents_only { false };
};

// Writes `source` as a POSIX (pax) tar to `out_fd`. Every file is reached by *at() calls from
// `parent_fd` with O_NOFOLLOW, so a symlink anywhere in the tree is stored as a symlink and never
// followed out of it, whoever planted it. Regular files, directories, symlinks and FIFOs are
// stored; sockets and device nodes are left out (docker cp has no use for them either way).
Result<void> write_tree_as_tar(const TreeSource& source, int out_fd);

}
