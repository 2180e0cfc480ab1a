#include "containers/runtime/network/network_attachment.h"

#include <fmt/format.h>

#include <charconv>

namespace vmlet {

std::string format_ipv4(uint32_t address)
{
    return fmt::format("{}.{}.{}.{}", address >> 24, (address >> 16) & 0xff, (address >> 8) & 0xff, address & 0xff);
}

std::optional<uint32_t> parse_ipv4(std::string_view text)
{
    uint32_t address = 0;
    const char* at = text.data();
    const char* end = text.data() + text.size();
    for (int octet = 0; octet < 4; ++octet) {
        if (octet > 0) {
            if (at == end || *at != '.')
                return std::nullopt;
            ++at;
        }
        // Leading zeros read as octal to inet_aton(3): refused rather than guessed.
        if (at == end || (*at == '0' && at + 1 != end && at[1] != '.'))
            return std::nullopt;
        unsigned value = 0;
        auto [next, error] = std::from_chars(at, end, value);
        if (error != std::errc() || value > 255 || next - at > 3)
            return std::nullopt;
        address = (address << 8) | value;
        at = next;
    }
    if (at != end)
        return std::nullopt;
    return address;
}

std::string format_mac(const std::array<uint8_t, 6>& mac)
{
    return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

}
