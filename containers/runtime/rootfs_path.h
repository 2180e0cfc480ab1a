#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace vmlet {

// Paths inside a container's root filesystem, resolved by the kernel as if `root_fd` were "/"
// (openat2 RESOLVE_IN_ROOT, Linux 5.6): an image's symlink such as /etc/hosts -> /etc/shadow then
// lands inside the image, never on the host's file (the class of bug runc's securejoin exists for).

// Opens `path` with `flags` (O_CLOEXEC is added).
Result<UniqueFd> open_in_root(int root_fd, std::string_view path, int flags, mode_t mode = 0);

// mkdir -p inside the root; returns an O_PATH descriptor of the directory.
Result<UniqueFd> make_directories_in_root(int root_fd, std::string_view path, mode_t mode);

// Makes sure `path` is a regular file to mount over, creating it and its parents if missing; returns an
// O_PATH descriptor. A symlink whose target cannot be created is replaced by an empty file (in the
// container's own writable layer).
Result<UniqueFd> make_file_in_root(int root_fd, std::string_view path);

// The file's path as the host sees it, for mount(2): the resolution above, done once.
Result<std::string> host_path_of(int fd);

// The whole small file at `path`, or nullopt when it does not exist or is not a regular file (an
// image's /etc/passwd may be a FIFO or a device: it is never opened for blocking nor read).
Result<std::optional<std::string>> read_file_in_root(int root_fd, std::string_view path, size_t limit);

}
