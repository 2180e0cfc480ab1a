#pragma once

#include <linux/fuse.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

namespace vmlet::fs {

// The argument bytes of one FUSE request (linux/fuse.h: the opcode's fixed struct, then names),
// copied out of guest memory first so that the guest cannot change them while they are checked
// and used. Every accessor checks what remains; a request whose arguments do not parse gets
// EINVAL, never a read past them.
class RequestArgs {
public:
    explicit RequestArgs(std::span<const uint8_t> bytes)
        : m_bytes(bytes)
    {
    }

    // The next sizeof(T) bytes as a T, or nothing when fewer remain.
    template<typename T>
    std::optional<T> object()
    {
        static_assert(std::is_trivially_copyable_v<T>);
        if (m_bytes.size() - m_at < sizeof(T))
            return std::nullopt;
        T value;
        std::memcpy(&value, m_bytes.data() + m_at, sizeof(T));
        m_at += sizeof(T);
        return value;
    }

    // The next NUL-terminated string that is a single path component: not empty, at most
    // kMaxName bytes, without '/', and not "." or ".." (the server never walks the host tree by
    // anything but one real entry at a time).
    std::optional<std::string_view> name();
    // The next NUL-terminated string of 1 to kMaxPath bytes with no further rule: a symbolic
    // link's target, which is stored, never followed, on the host.
    std::optional<std::string_view> path();

    size_t remaining() const { return m_bytes.size() - m_at; }

private:
    std::optional<std::string_view> terminated(size_t max_length);

    std::span<const uint8_t> m_bytes;
    size_t m_at { 0 };
};

constexpr size_t kMaxName = 255;  // NAME_MAX
constexpr size_t kMaxPath = 4096; // PATH_MAX, with its NUL
// The largest argument block any supported opcode has (SYMLINK: a name and a target, each with
// its NUL, RENAME2's struct is smaller than that); longer requests are refused before a copy.
constexpr size_t kMaxArgs = sizeof(fuse_rename2_in) + 2 * (kMaxPath + 1);

bool valid_name(std::string_view name);

}
