#pragma once

#include "containers/runtime/container_store.h"
#include "vmm/base/unique_fd.h"

#include <fcntl.h>
#include <unistd.h>

#include <string>

namespace vmlet::oci {

// Made by `create` in the container's directory: its container process opens it for reading and
// waits; `start` opens it for writing and sends kStartByte, `delete` kCancelByte. Opened for
// writing without a reader, it fails (ENXIO): the container process has gone, or was answered.
inline constexpr char kStartByte = 'S';
inline constexpr char kCancelByte = 'K';

// Sends `byte` there; false when nothing reads it any more.
inline bool send_to_start_fifo(const std::string& fifo_path, char byte)
{
    UniqueFd fifo(::open(fifo_path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
    return fifo.valid() && ::write(fifo.get(), &byte, 1) == 1;
}

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
