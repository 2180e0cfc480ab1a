#pragma once

#include "vmm/base/result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vmlet {

// One filesystem given to a container beside its image (docker run -v, --mount, --tmpfs).
struct MountSpec {
    enum class Kind { Bind, Volume, Tmpfs };
    Kind kind { Kind::Bind };
    // Bind: the host path as the user gave it, made absolute; volume: the volume's name; tmpfs: empty.
    std::string source;
    // The host directory that holds it (bind: the source; volume: its _data directory); tmpfs: empty.
    std::string host_path;
    std::string target; // absolute, in the container
    bool read_only { false };
    // An OCI mount's noexec and nosuid options (podman run -v ...:noexec,nosuid). Every mount is
    // nodev already, and a tmpfs always nosuid.
    bool no_exec { false };
    bool no_suid { false };
    // tmpfs: size= in bytes (none: half of RAM, as tmpfs(5)) and mode= (none: 1777, Docker's).
    std::optional<uint64_t> tmpfs_size;
    std::optional<uint32_t> tmpfs_mode;
};

// What both isolations can mount: no target under /proc, /sys or /dev (the kernel's and the
// runtime's own), none beneath another's (its mount point would be made before the outer mount
// hides it). Targets are absolute and plain already (the CLI's normalize_mount_targets).
Result<void> check_mount_targets(const std::vector<MountSpec>& mounts);

}
