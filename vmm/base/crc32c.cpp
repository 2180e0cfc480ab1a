#include "vmm/base/crc32c.h"

#include <array>

namespace vmlet {

namespace {

// The reflected polynomial 0x1EDC6F41 (RFC 3720 B.4), one table entry per byte value.
constexpr uint32_t kPolynomial = 0x82f63b78;

constexpr std::array<uint32_t, 256> make_table()
{
    std::array<uint32_t, 256> table {};
    for (uint32_t byte = 0; byte < 256; ++byte) {
        uint32_t crc = byte;
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc & 1) ? (crc >> 1) ^ kPolynomial : crc >> 1;
        table[byte] = crc;
    }
    return table;
}

constexpr auto kTable = make_table();

}

uint32_t crc32c(std::span<const uint8_t> data, uint32_t crc)
{
    crc = ~crc;
    for (uint8_t byte : data)
        crc = kTable[(crc ^ byte) & 0xff] ^ (crc >> 8);
    return ~crc;
}

}
