#pragma once

#include "vmm/base/checked_math.h"

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <type_traits>

namespace vmlet {

// Reads a little-endian value of type T at `offset` in `bytes`, or nothing if it does not fit.
// Kernel files are untrusted input: every field read from them goes through here.
template<typename T>
std::optional<T> read_le(std::span<const uint8_t> bytes, uint64_t offset)
{
    static_assert(std::is_trivially_copyable_v<T>);
    if (!range_fits(offset, sizeof(T), bytes.size()))
        return std::nullopt;
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof(T)); // x86_64 hosts are little-endian
    return value;
}

template<typename T>
void write_le(std::span<uint8_t> bytes, uint64_t offset, T value)
{
    static_assert(std::is_trivially_copyable_v<T>);
    std::memcpy(bytes.data() + offset, &value, sizeof(T)); // callers write only at fixed, in-bounds offsets
}

}
