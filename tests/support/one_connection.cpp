#include "tests/support/one_connection.h"

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace vmlet::test {

OneConnection::OneConnection(uint32_t address, uint16_t port, std::string reply)
{
    m_listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in bound {};
    bound.sin_family = AF_INET;
    bound.sin_port = htons(port);
    bound.sin_addr.s_addr = htonl(address);
    int yes = 1;
    ::setsockopt(m_listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    EXPECT_EQ(::bind(m_listener, reinterpret_cast<sockaddr*>(&bound), sizeof bound), 0);
    EXPECT_EQ(::listen(m_listener, 1), 0);
    m_thread = std::thread([this, reply = std::move(reply)] {
        int connection = ::accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (connection < 0)
            return;
        char buffer[256];
        ssize_t count = ::read(connection, buffer, sizeof buffer);
        if (count > 0)
            m_received.assign(buffer, size_t(count));
        (void)!::write(connection, reply.data(), reply.size());
        ::close(connection);
    });
}

OneConnection::~OneConnection()
{
    if (m_thread.joinable())
        (void)finish();
}

std::string OneConnection::finish()
{
    // A listener that got no connection: shutdown(2) ends the accept.
    ::shutdown(m_listener, SHUT_RDWR);
    m_thread.join();
    ::close(m_listener);
    return m_received;
}

}
