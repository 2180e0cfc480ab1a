#pragma once

#include <cstdint>
#include <optional>

namespace vmlet {

// Overflow-checked arithmetic for addresses and sizes that come from files or the guest.
inline std::optional<uint64_t> checked_add(uint64_t a, uint64_t b)
{
    uint64_t sum;
    if (__builtin_add_overflow(a, b, &sum))
        return std::nullopt;
    return sum;
}

inline std::optional<uint64_t> checked_mul(uint64_t a, uint64_t b)
{
    uint64_t product;
    if (__builtin_mul_overflow(a, b, &product))
        return std::nullopt;
    return product;
}

// True when the half-open range [offset, offset + length) lies within [0, size).
inline bool range_fits(uint64_t offset, uint64_t length, uint64_t size)
{
    auto end = checked_add(offset, length);
    return end.has_value() && *end <= size;
}

constexpr uint64_t align_down(uint64_t value, uint64_t alignment)
{
    return value & ~(alignment - 1);
}

inline std::optional<uint64_t> align_up(uint64_t value, uint64_t alignment)
{
    auto bumped = checked_add(value, alignment - 1);
    if (!bumped)
        return std::nullopt;
    return align_down(*bumped, alignment);
}

constexpr uint64_t operator""_KiB(unsigned long long value) { return value << 10; }
constexpr uint64_t operator""_MiB(unsigned long long value) { return value << 20; }
constexpr uint64_t operator""_GiB(unsigned long long value) { return value << 30; }

}
