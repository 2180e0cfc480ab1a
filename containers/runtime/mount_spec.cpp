#include "containers/runtime/mount_spec.h"

#include <string_view>

namespace vmlet {

namespace {

// True when `path` is `parent` or beneath it.
bool beneath(std::string_view path, std::string_view parent)
{
    return path.starts_with(parent) && (path.size() == parent.size() || path[parent.size()] == '/');
}

}

Result<void> check_mount_targets(const std::vector<MountSpec>& mounts)
{
    for (const auto& mount : mounts) {
        for (const char* reserved : { "/proc", "/sys", "/dev" })
            if (beneath(mount.target, reserved))
                return make_error("mount target {}: nothing can be mounted under {} here", mount.target, reserved);
        for (const auto& other : mounts)
            if (&other != &mount && beneath(mount.target, other.target))
                return make_error("mount target {} is inside mount target {}: not supported", mount.target, other.target);
    }
    return {};
}

}
