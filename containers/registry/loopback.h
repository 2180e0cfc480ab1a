#pragma once

#include <string_view>

namespace vmlet::image {

// The host of a registry's "host", "host:port" or "[v6]:port", without brackets or port.
std::string_view host_of(std::string_view registry);

// Whether every address `host` resolves to is a loopback one (127.0.0.0/8, ::1), so that
// speaking to it never leaves this machine. Decided by address, as Docker decides which
// registries are insecure (its default insecure CIDR 127.0.0.0/8): "127.example.com" is not
// loopback, "localhost" is. A host that does not resolve is not.
bool is_loopback_host(std::string_view host);

}
