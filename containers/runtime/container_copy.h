#pragma once

#include "containers/runtime/container_store.h"
#include "vmm/base/result.h"

#include <string>

namespace vmlet {

// docker cp (https://docs.docker.com/engine/reference/commandline/cp/), with its rules: a file goes
// to DEST, or into DEST when that is a directory; a directory becomes DEST when DEST does not
// exist, or goes into it (as DEST/NAME) when it does, and "SRC/." copies its contents into DEST;
// "-" is a tar stream on standard input or output instead of a host path. A symlink at SRC is
// copied as a symlink. Files land owned by whoever runs vmlet, with their permission bits.
//
// The container is hostile: every path in it is resolved by the kernel inside its root (openat2
// RESOLVE_IN_ROOT, rootfs_path.h), and what is written is written with *at() calls beneath a
// directory so resolved, through no symlink (tar_extractor.h). A symlink the container planted,
// to /etc say, thus leads to its own /etc, never the host's.
//
// A running process container's root is its first process's (/proc/PID/root); a stopped one's is
// its overlay, mounted for the copy in a mount namespace of its own (its volumes are not there). A
// running VM container's agent answers what is at a path and runs tar in the container's root
// (vm/vm_tools.h), and the guest's tar is read as hostile as any; a stopped VM container is refused
// with a one-line error, as its files are on its VM's disk, which the host never mounts (its ext4
// is the guest's work, and the host's kernel does not parse it).
Result<void> copy_from_container(const std::string& store_root, const ContainerRecord& record, const std::string& container_path,
    const std::string& destination);
Result<void> copy_to_container(const std::string& store_root, const ContainerRecord& record, const std::string& source,
    const std::string& container_path);

}
