#pragma once

#include <compare>
#include <cstdint>

namespace vmlet {

// A guest-physical address. A distinct type so it never mixes with host pointers or sizes.
class GuestAddress {
public:
    constexpr GuestAddress() = default;
    constexpr explicit GuestAddress(uint64_t value)
        : m_value(value)
    {
    }

    constexpr uint64_t value() const { return m_value; }
    constexpr auto operator<=>(const GuestAddress&) const = default;

private:
    uint64_t m_value { 0 };
};

}
