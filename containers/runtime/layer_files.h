#pragma once

#include "vmm/base/result.h"
#include "containers/runtime/user_lookup.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vmlet {

// A small file of an image as its container would see it, read from the unpacked layers without
// mounting them: the topmost layer that has `path` wins, and a whiteout there (a 0/0 character
// device, overlayfs' form) hides it. Each layer is searched with its directory as root
// (read_file_in_root), so a symlink in a layer cannot reach a host file. A symlink that points into
// a lower layer is not followed across layers: for /etc/passwd and /etc/group that is rare.
Result<std::optional<std::string>> read_file_in_layers(const std::vector<std::string>& lower_dirs, std::string_view path, size_t limit);

// Resolves a docker -u value against the image's own /etc/passwd and /etc/group, read as above:
// for a VM container, whose files the host cannot reach while it runs.
Result<ExecUser> resolve_user_in_layers(const std::vector<std::string>& lower_dirs, std::string_view user);

}
