#include "devices/fs/guest_buffers.h"

#include <algorithm>
#include <cstring>

namespace vmlet::fs {

size_t total_size(std::span<const iovec> buffers)
{
    size_t total = 0;
    for (const auto& buffer : buffers)
        total += buffer.iov_len;
    return total;
}

std::vector<iovec> slice(std::span<const iovec> buffers, size_t offset, size_t length)
{
    std::vector<iovec> out;
    for (const auto& buffer : buffers) {
        if (length == 0)
            break;
        if (offset >= buffer.iov_len) {
            offset -= buffer.iov_len;
            continue;
        }
        size_t piece = std::min(buffer.iov_len - offset, length);
        out.push_back({ static_cast<uint8_t*>(buffer.iov_base) + offset, piece });
        length -= piece;
        offset = 0;
    }
    return out;
}

size_t copy_into(std::span<const iovec> buffers, size_t offset, std::span<const uint8_t> bytes)
{
    size_t done = 0;
    for (const auto& piece : slice(buffers, offset, bytes.size())) {
        std::memcpy(piece.iov_base, bytes.data() + done, piece.iov_len);
        done += piece.iov_len;
    }
    return done;
}

}
