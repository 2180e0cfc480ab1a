#pragma once

#include <cstdint>
#include <string>

namespace vmlet {

// The disk space the files under `path` take (st_blocks, stat(2)), symlinks not followed: what
// removing them frees. A sparse file counts what it has written, so a VM container's 10 GiB
// layer disk counts the few MiB its guest wrote. File systems mounted below are left out. Zero
// for what cannot be read.
uint64_t allocated_bytes_under(const std::string& path);

}
