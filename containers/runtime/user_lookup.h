#pragma once

#include "vmm/base/result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vmlet {

// Who the container's first process runs as.
struct ExecUser {
    uint32_t uid { 0 };
    uint32_t gid { 0 };
    std::vector<uint32_t> supplementary_gids; // passed to setgroups(2); always holds gid
    std::string home { "/" };
};

// Resolves a docker -u value ("name", "uid", "name:group", "uid:gid"; empty is root) against the
// container's own /etc/passwd and /etc/group texts (nullopt when a file is missing), following runc's
// GetExecUser: a name must be found; a number that is not found is used as is; supplementary groups
// come from /etc/group only when no group is given.
Result<ExecUser> resolve_exec_user(std::string_view spec, std::optional<std::string_view> passwd,
    std::optional<std::string_view> group);

}
