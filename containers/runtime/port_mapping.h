#pragma once

#include "vmm/base/result.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace vmlet {

// One `-p` flag (docker run reference, "--publish"): [HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|/udp].
struct PortMapping {
    enum class Protocol { Tcp, Udp };
    std::string host_ip { "0.0.0.0" };
    uint16_t host_port { 0 };
    uint16_t container_port { 0 };
    Protocol protocol { Protocol::Tcp };

    static Result<PortMapping> parse(std::string_view text);
};

}
