#pragma once

#include <cstdint>
#include <string>
#include <thread>

namespace vmlet::test {

// A TCP listener on `address`:`port` (IPv4, host byte order) that takes one connection, keeps what
// it reads and answers `reply`: the host's side of a guest's or a container's TCP, for the network
// tests.
class OneConnection {
public:
    OneConnection(uint32_t address, uint16_t port, std::string reply = "pong-from-host\n");
    OneConnection(const OneConnection&) = delete;
    OneConnection& operator=(const OneConnection&) = delete;
    ~OneConnection();

    // What the peer sent (empty when none came); the listener is closed.
    std::string finish();

private:
    int m_listener { -1 };
    std::thread m_thread;
    std::string m_received;
};

}
