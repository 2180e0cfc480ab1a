#pragma once

#include "devices/fs/fuse_server.h"
#include "devices/fs/guest_buffers.h"

#include <cstring>
#include <span>
#include <vector>

namespace vmlet::fs {

// A reply built in host memory, then copied to the guest's buffers in one go.
class Reply {
public:
    explicit Reply(uint64_t unique)
        : m_bytes(sizeof(fuse_out_header))
        , m_unique(unique)
    {
    }
    template<typename T>
    Reply& object(const T& value)
    {
        auto* bytes = reinterpret_cast<const uint8_t*>(&value);
        m_bytes.insert(m_bytes.end(), bytes, bytes + sizeof(T));
        return *this;
    }
    Reply& bytes(std::span<const uint8_t> more)
    {
        m_bytes.insert(m_bytes.end(), more.begin(), more.end());
        return *this;
    }
    // Copies the reply, its header filled in, to the guest's buffers; a reply that does not fit
    // becomes ERANGE (the guest offered less room than the operation needs).
    uint32_t send(std::span<const iovec> reply)
    {
        if (m_bytes.size() > total_size(reply))
            return FuseServer::error_reply(m_unique, ERANGE, reply);
        fuse_out_header header { uint32_t(m_bytes.size()), 0, m_unique };
        std::memcpy(m_bytes.data(), &header, sizeof(header));
        return uint32_t(copy_into(reply, 0, m_bytes));
    }

private:
    std::vector<uint8_t> m_bytes;
    uint64_t m_unique;
};

}
