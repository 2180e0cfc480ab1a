#include "containers/runtime/port_forwarder.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>

namespace vmlet {

namespace {

// Waits for `fd` to have `events`, or for the stop event; false when stopping.
bool wait_for(int fd, short events, int stop_event)
{
    std::array<pollfd, 2> fds { { { fd, events, 0 }, { stop_event, POLLIN, 0 } } };
    while (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno != EINTR)
            return false;
    }
    return fds[1].revents == 0;
}

}

Result<std::unique_ptr<PortForwarder>> PortForwarder::bind(const PortMapping& mapping)
{
    UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!listener.valid())
        return errno_error("socket");
    int on = 1;
    ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_port = htons(mapping.host_port);
    ::inet_pton(AF_INET, mapping.host_ip.c_str(), &address.sin_addr);
    if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) < 0 || ::listen(listener.get(), 64) < 0)
        return errno_error(fmt::format("cannot publish {}:{}", mapping.host_ip, mapping.host_port));
    std::unique_ptr<PortForwarder> forwarder(new PortForwarder(mapping, std::move(listener)));
    forwarder->m_stop_event.reset(::eventfd(0, EFD_CLOEXEC));
    if (!forwarder->m_stop_event.valid())
        return errno_error("eventfd");
    return forwarder;
}

void PortForwarder::start(ContainerConnector connect)
{
    m_connect = std::move(connect);
    m_acceptor = std::thread([this] { accept_loop(); });
}

PortForwarder::~PortForwarder()
{
    uint64_t one = 1;
    if (m_stop_event.valid())
        (void)::write(m_stop_event.get(), &one, sizeof one);
    if (m_acceptor.joinable())
        m_acceptor.join();
    std::lock_guard lock(m_mutex);
    for (auto& relay : m_relays)
        relay.join();
}

void PortForwarder::accept_loop()
{
    while (wait_for(m_listener.get(), POLLIN, m_stop_event.get())) {
        UniqueFd host(::accept4(m_listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!host.valid())
            continue;
        auto container = m_connect(m_mapping.container_port);
        // Nothing listens in the container (yet): the host side sees the connection closed, as
        // with docker-proxy.
        if (!container.ok())
            continue;
        std::lock_guard lock(m_mutex);
        m_relays.emplace_back([this, host = std::move(host), container = container.release_value()]() mutable {
            relay(std::move(host), std::move(container));
        });
    }
}

// Copies bytes both ways; an end-of-file on one side is passed on as a half-close
// (shutdown(SHUT_WR)), so request-then-response protocols work, until both sides are done.
void PortForwarder::relay(UniqueFd host, UniqueFd container)
{
    std::array<int, 2> from { host.get(), container.get() };
    std::array<bool, 2> open { true, true };
    std::array<char, 1 << 16> buffer;
    while (open[0] || open[1]) {
        std::array<pollfd, 3> fds { { { open[0] ? from[0] : -1, POLLIN, 0 }, { open[1] ? from[1] : -1, POLLIN, 0 }, { m_stop_event.get(), POLLIN, 0 } } };
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        if (fds[2].revents)
            return;
        for (size_t side = 0; side < 2; side++) {
            if (!open[side] || !fds[side].revents)
                continue;
            ssize_t count = ::read(from[side], buffer.data(), buffer.size());
            if (count <= 0) {
                open[side] = false;
                ::shutdown(from[1 - side], SHUT_WR);
                continue;
            }
            for (ssize_t written = 0; written < count;) {
                ssize_t sent = ::send(from[1 - side], buffer.data() + written, static_cast<size_t>(count - written), MSG_NOSIGNAL);
                if (sent <= 0)
                    return;
                written += sent;
            }
        }
    }
}

}
