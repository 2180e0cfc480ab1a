#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vmlet {

// The host ends of a VM's vsock ports, as vmlet's vsock device (devices/virtio/vsock_device.cpp)
// offers them over one unix socket path (vmm/base/hybrid_vsock.h).

// A listener for guest connections to host `port`. Fails with EADDRINUSE when one exists there.
Result<UniqueFd> listen_for_guest(const std::string& socket, uint32_t port);

// A stream connection to the guest's `port`.
Result<UniqueFd> connect_to_guest(const std::string& socket, uint32_t port);

// Writes all of `bytes` to a stream socket within `timeout` (a peer that went away is an error,
// never SIGPIPE). The peer is a guest, which may stop reading: running out of time is an error.
inline constexpr std::chrono::milliseconds kSendTimeout { 5000 };
Result<void> send_bytes(int fd, std::string_view bytes, std::chrono::milliseconds timeout = kSendTimeout);

// Reads exactly `size` bytes within `timeout`; false when the stream ends first. The peer is a
// guest, which may never send what it owes: running out of time is an error.
Result<bool> receive_exactly(int fd, char* buffer, size_t size, std::chrono::milliseconds timeout);

}
