#pragma once

#include "containers/runtime/mount_spec.h"
#include "vmm/base/result.h"

#include <string_view>
#include <vector>

namespace vmlet {

// docker run's -v, --mount and --tmpfs, as Docker's documentation of them says
// (docs.docker.com/engine/storage/volumes, bind-mounts, tmpfs). Host paths are taken as given;
// Container::create makes them absolute and finds the volumes.

// -v SOURCE:TARGET[:OPTIONS] or -v TARGET (an anonymous volume). SOURCE is a host path when it
// starts with '/' or '.', otherwise a volume's name. OPTIONS: ro or rw (z, Z are SELinux labels,
// which mean nothing here and are accepted as Docker accepts them without SELinux).
Result<MountSpec> parse_volume_flag(std::string_view text);

// --mount type=bind|volume|tmpfs,source=...,target=...[,readonly][,tmpfs-size=N][,tmpfs-mode=OCTAL].
Result<MountSpec> parse_mount_flag(std::string_view text);

// --tmpfs TARGET[:size=N,mode=OCTAL,ro|rw].
Result<MountSpec> parse_tmpfs_flag(std::string_view text);

// Every target absolute, plain and different (Docker: "Duplicate mount point"); trailing slashes go.
Result<void> normalize_mount_targets(std::vector<MountSpec>& mounts);

}
