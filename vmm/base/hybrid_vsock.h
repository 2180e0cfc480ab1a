#pragma once

#include "vmm/base/result.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace vmlet::hybrid_vsock {

// Hybrid vsock, as Firecracker defines it (docs/vsock.md) and vmlet's vsock device serves it: a
// VM's vsock ports are reached through one unix socket path on the host.
//  - A guest connection to host port P reaches a listener at "<socket>_P".
//  - A host connection to guest port P is made on "<socket>": the client writes "CONNECT P\n"
//    and, once the guest accepted, reads "OK <host port>\n" before the stream begins.
// Both ends of that exchange (devices/virtio and the container runtime) use these.

// "<socket>_<port>": where the guest's connections to host `port` arrive.
std::string listener_path(std::string_view socket, uint32_t port);

// "CONNECT <port>\n".
std::string connect_line(uint32_t port);

// The longest CONNECT line a client may send, newline included: anything longer is not the
// protocol.
constexpr size_t kMaxConnectLine = 32;

// The guest port of a complete CONNECT line (with its newline), or an error quoting the line.
Result<uint32_t> parse_connect_line(std::string_view line);

// "OK <host port>\n", the device's answer once the guest has accepted.
std::string ok_line(uint32_t host_port);

// Whether a complete answer line is the device's OK.
bool is_ok_line(std::string_view line);

}
