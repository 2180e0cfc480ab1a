#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <span>
#include <vector>

namespace vmlet::fs {

// A request's device-writable buffers in guest memory (checked to lie in RAM by the descriptor
// walk), as the FUSE server writes its reply into them.
size_t total_size(std::span<const iovec> buffers);
// Copies `bytes` to position `offset` of `buffers`; how many fitted.
size_t copy_into(std::span<const iovec> buffers, size_t offset, std::span<const uint8_t> bytes);
// The iovecs covering [offset, offset + length) of `buffers`, cut to what there is.
std::vector<iovec> slice(std::span<const iovec> buffers, size_t offset, size_t length);

}
