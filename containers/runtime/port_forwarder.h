#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"
#include "containers/runtime/port_mapping.h"

#include <functional>
#include <memory>
#include <thread>

namespace vmlet {

// Makes the connection into the container for one accepted host connection.
using ContainerConnector = std::function<Result<UniqueFd>(uint16_t container_port)>;

// A published port: a listener on the host, and for each connection it accepts a new connection
// into the container (Sandbox::connect_port) with the bytes copied both ways until both sides have
// closed. One mechanism for both isolations; only the connector differs.
//
// Both ends may be hostile (a client on the network, a process in the container or a guest), so a
// forwarder never blocks on either: one thread serves every connection with non-blocking sockets and
// a bounded buffer each way, reading from a side only while the other side's buffer has room. At
// most kMaxConnections are served at once; more are closed as they arrive. Ending the forwarder
// (the container has exited) closes whatever is open, however far its peers are behind.
class PortForwarder {
public:
    static constexpr size_t kMaxConnections = 256;
    static constexpr size_t kBufferBytes = 64 << 10;

    // Binds the host port now, so that a port in use fails `run` before the container starts.
    static Result<std::unique_ptr<PortForwarder>> bind(const PortMapping& mapping);
    ~PortForwarder();
    PortForwarder(const PortForwarder&) = delete;
    PortForwarder& operator=(const PortForwarder&) = delete;

    // Starts serving; connections go through `connect`.
    void start(ContainerConnector connect);

    // The host port it listens on (the one the kernel chose, for a mapping of port 0).
    uint16_t host_port() const;

private:
    PortForwarder(PortMapping mapping, UniqueFd listener, UniqueFd stop_event)
        : m_mapping(std::move(mapping))
        , m_listener(std::move(listener))
        , m_stop_event(std::move(stop_event))
    {
    }
    void serve();

    PortMapping m_mapping;
    UniqueFd m_listener;
    UniqueFd m_stop_event; // an eventfd that ends the thread when the forwarder goes
    ContainerConnector m_connect;
    std::thread m_thread;
};

}
