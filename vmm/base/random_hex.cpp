#include "vmm/base/random_hex.h"

#include <fmt/format.h>

#include <sys/random.h>

#include <algorithm>
#include <array>
#include <cstdint>

namespace vmlet {

std::string random_hex(size_t bytes)
{
    std::array<uint8_t, 32> raw {};
    bytes = std::min(bytes, raw.size());
    ssize_t got = ::getrandom(raw.data(), bytes, 0);
    std::string text;
    for (size_t i = 0; i < bytes && got > 0; i++)
        text += fmt::format("{:02x}", raw[i]);
    return text;
}

}
