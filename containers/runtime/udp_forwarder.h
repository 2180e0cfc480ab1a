#pragma once

#include "containers/runtime/port_mapping.h"
#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"

#include <cstdint>
#include <memory>
#include <thread>

namespace vmlet {

// A published UDP port (-p HOST:CTR/udp): datagrams to the host port go to the container's address
// on its network, and its answers come back from the host port, as Docker's userland proxy does.
// Each client (address and port) gets a socket of its own towards the container, so answers find
// their way back; a client idle for kIdleTimeout is forgotten, and at most kMaxClients are served
// at once (the oldest goes for a new one). One thread, non-blocking sockets: neither a client nor
// the container can stall it.
class UdpForwarder {
public:
    static constexpr size_t kMaxClients = 256;
    static constexpr auto kIdleTimeout = std::chrono::seconds(90); // Docker's UDP conntrack timeout

    // Binds the host port now, so that a port in use fails `run` before the container starts.
    static Result<std::unique_ptr<UdpForwarder>> bind(const PortMapping& mapping);
    ~UdpForwarder();
    UdpForwarder(const UdpForwarder&) = delete;
    UdpForwarder& operator=(const UdpForwarder&) = delete;

    // Starts forwarding to `container_address` (IPv4, host byte order) at the mapping's port.
    void start(uint32_t container_address);
    uint16_t host_port() const;

private:
    UdpForwarder(PortMapping mapping, UniqueFd socket, UniqueFd stop_event)
        : m_mapping(std::move(mapping))
        , m_socket(std::move(socket))
        , m_stop_event(std::move(stop_event))
    {
    }
    void serve(uint32_t container_address);

    PortMapping m_mapping;
    UniqueFd m_socket;
    UniqueFd m_stop_event;
    std::thread m_thread;
};

}
