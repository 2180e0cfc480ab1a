#include "containers/runtime/port_mapping.h"

#include <arpa/inet.h>

#include <charconv>

namespace vmlet {

namespace {

Result<uint16_t> parse_port(std::string_view text, std::string_view whole)
{
    unsigned value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535)
        return make_error("invalid port mapping '{}': '{}' is not a port (1-65535)", whole, text);
    return static_cast<uint16_t>(value);
}

}

Result<PortMapping> PortMapping::parse(std::string_view text)
{
    auto ports = text;
    PortMapping mapping;
    if (auto slash = ports.find('/'); slash != std::string_view::npos) {
        auto protocol = ports.substr(slash + 1);
        if (protocol == "udp")
            mapping.protocol = Protocol::Udp;
        else if (protocol != "tcp")
            return make_error("invalid port mapping '{}': the protocol is tcp or udp", text);
        ports = ports.substr(0, slash);
    }
    auto last = ports.rfind(':');
    if (last == std::string_view::npos)
        return make_error("invalid port mapping '{}': give HOST_PORT:CONTAINER_PORT", text);
    mapping.container_port = TRY(parse_port(ports.substr(last + 1), text));
    auto host = ports.substr(0, last);
    if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
        mapping.host_ip = std::string(host.substr(0, colon));
        host = host.substr(colon + 1);
        in_addr ignored {};
        if (::inet_pton(AF_INET, mapping.host_ip.c_str(), &ignored) != 1)
            return make_error("invalid port mapping '{}': '{}' is not an IPv4 address", text, mapping.host_ip);
    }
    mapping.host_port = TRY(parse_port(host, text));
    return mapping;
}

}
