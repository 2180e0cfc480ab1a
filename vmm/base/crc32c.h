#pragma once

#include <cstdint>
#include <span>

namespace vmlet {

// CRC-32C (Castagnoli, RFC 3720 appendix B.4): the checksum of a snapshot's state file, which
// finds a truncated or altered file before anything in it is believed.
uint32_t crc32c(std::span<const uint8_t> data, uint32_t crc = 0);

}
