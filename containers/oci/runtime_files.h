#pragma once

#include "containers/runtime/container_store.h"

#include <string>

namespace vmlet::oci {

// Made by `create` in the container's directory: its container process opens it for reading and
// waits; `start` opens it for writing and sends kStartByte, `delete` kCancelByte. Opened for
// writing without a reader, it fails (ENXIO): the container process has gone, or was answered.
inline constexpr char kStartByte = 'S';
inline constexpr char kCancelByte = 'K';

inline std::string start_fifo_path(const ContainerStore& store, const ContainerRecord& record)
{
    return store.directory(record.id) + "/start.fifo";
}

// The cgroups the container process joined for linux.cgroupsPath (cgroups_path.h), one per line,
// which `delete` removes once it has gone.
inline std::string cgroups_path_file(const ContainerStore& store, const ContainerRecord& record)
{
    return store.directory(record.id) + "/cgroups-path";
}

}
