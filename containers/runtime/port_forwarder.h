#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"
#include "containers/runtime/port_mapping.h"

#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

namespace vmlet {

// Makes the connection into the container for one accepted host connection.
using ContainerConnector = std::function<Result<UniqueFd>(uint16_t container_port)>;

// A published port: a listener on the host, and for each connection it accepts a new connection
// into the container (Sandbox::connect_port) with the bytes copied both ways until both sides have
// closed. One mechanism for both isolations; only the connector differs.
class PortForwarder {
public:
    // Binds the host port now, so that a port in use fails `run` before the container starts.
    static Result<std::unique_ptr<PortForwarder>> bind(const PortMapping& mapping);
    ~PortForwarder();
    PortForwarder(const PortForwarder&) = delete;
    PortForwarder& operator=(const PortForwarder&) = delete;

    // Starts accepting; connections go through `connect`.
    void start(ContainerConnector connect);

private:
    PortForwarder(PortMapping mapping, UniqueFd listener)
        : m_mapping(std::move(mapping))
        , m_listener(std::move(listener))
    {
    }
    void accept_loop();
    void relay(UniqueFd host, UniqueFd container);

    PortMapping m_mapping;
    UniqueFd m_listener;
    UniqueFd m_stop_event; // an eventfd that wakes every thread when the forwarder goes
    ContainerConnector m_connect;
    std::thread m_acceptor;
    std::mutex m_mutex;
    std::list<std::thread> m_relays;
};

}
