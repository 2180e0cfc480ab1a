#include "vmm/base/hybrid_vsock.h"

#include <fmt/format.h>

#include <charconv>

namespace vmlet::hybrid_vsock {

std::string listener_path(std::string_view socket, uint32_t port)
{
    return fmt::format("{}_{}", socket, port);
}

std::string connect_line(uint32_t port)
{
    return fmt::format("CONNECT {}\n", port);
}

Result<uint32_t> parse_connect_line(std::string_view line)
{
    constexpr std::string_view prefix = "CONNECT ";
    if (line.starts_with(prefix) && line.ends_with('\n')) {
        auto digits = line.substr(prefix.size(), line.size() - prefix.size() - 1);
        uint32_t port = 0;
        auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
        if (!digits.empty() && error == std::errc() && end == digits.data() + digits.size())
            return port;
    }
    if (line.ends_with('\n'))
        line.remove_suffix(1);
    return make_error("the client sent '{}' instead of 'CONNECT <port>'", line);
}

std::string ok_line(uint32_t host_port)
{
    return fmt::format("OK {}\n", host_port);
}

bool is_ok_line(std::string_view line)
{
    return line.starts_with("OK ") && line.ends_with('\n');
}

}
