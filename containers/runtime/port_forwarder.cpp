#include "containers/runtime/port_forwarder.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <list>
#include <string>

namespace vmlet {

namespace {

// The bytes on their way from one side of a connection to the other.
struct Flow {
    std::string buffer;
    bool ended { false }; // the source side sent its end (or failed)
    bool passed { false }; // ... and the end went on to the sink (shutdown(SHUT_WR))
};

// One forwarded connection: side 0 the host's client, side 1 the container. flows[i] carries
// side i's bytes to side 1 - i.
struct Connection {
    std::array<UniqueFd, 2> sides;
    std::array<Flow, 2> flows;
    bool failed { false };

    bool done() const { return failed || (flows[0].passed && flows[1].passed); }

    short events(size_t side) const
    {
        short wanted = 0;
        if (!flows[side].ended && flows[side].buffer.size() < PortForwarder::kBufferBytes)
            wanted |= POLLIN;
        if (!flows[1 - side].buffer.empty())
            wanted |= POLLOUT;
        return wanted;
    }

    // Moves what `side` is ready for, never waiting: its readable bytes into its flow, and the other
    // flow's bytes out to it; a half-close goes on as a half-close, so request-then-response
    // protocols work.
    void serve(size_t side, short ready)
    {
        auto& in = flows[side];
        if ((ready & (POLLIN | POLLHUP | POLLERR)) && !in.ended) {
            char chunk[16 << 10];
            size_t room = PortForwarder::kBufferBytes - in.buffer.size();
            ssize_t count = ::recv(sides[side].get(), chunk, std::min(room, sizeof chunk), MSG_DONTWAIT);
            if (count > 0)
                in.buffer.append(chunk, static_cast<size_t>(count));
            else if (count == 0 || (errno != EAGAIN && errno != EINTR))
                in.ended = true;
        }
        auto& out = flows[1 - side];
        if ((ready & (POLLOUT | POLLERR)) && !out.buffer.empty()) {
            ssize_t sent = ::send(sides[side].get(), out.buffer.data(), out.buffer.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
            if (sent > 0)
                out.buffer.erase(0, static_cast<size_t>(sent));
            else if (sent < 0 && errno != EAGAIN && errno != EINTR)
                failed = true;
        }
        for (size_t from = 0; from < 2; ++from) {
            if (flows[from].ended && flows[from].buffer.empty() && !flows[from].passed) {
                ::shutdown(sides[1 - from].get(), SHUT_WR);
                flows[from].passed = true;
            }
        }
    }
};

bool set_nonblocking(int fd)
{
    int flags = ::fcntl(fd, F_GETFL);
    return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
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
    UniqueFd stop_event(::eventfd(0, EFD_CLOEXEC));
    if (!stop_event.valid())
        return errno_error("eventfd");
    return std::unique_ptr<PortForwarder>(new PortForwarder(mapping, std::move(listener), std::move(stop_event)));
}

void PortForwarder::start(ContainerConnector connect)
{
    m_connect = std::move(connect);
    m_thread = std::thread([this] { serve(); });
}

uint16_t PortForwarder::host_port() const
{
    sockaddr_in address {};
    socklen_t length = sizeof address;
    if (::getsockname(m_listener.get(), reinterpret_cast<sockaddr*>(&address), &length) < 0)
        return 0;
    return ntohs(address.sin_port);
}

PortForwarder::~PortForwarder()
{
    uint64_t one = 1;
    (void)::write(m_stop_event.get(), &one, sizeof one);
    if (m_thread.joinable())
        m_thread.join();
}

void PortForwarder::serve()
{
    std::list<Connection> connections;
    std::vector<pollfd> fds;
    std::vector<std::pair<Connection*, size_t>> owners; // fds[i + 2] belongs to this connection's side
    for (;;) {
        fds.assign({ { m_stop_event.get(), POLLIN, 0 }, { m_listener.get(), POLLIN, 0 } });
        owners.clear();
        for (auto& connection : connections) {
            for (size_t side = 0; side < 2; ++side) {
                // A side with nothing to read or write is not watched: poll(2) would report its
                // hang-up over and over.
                short events = connection.events(side);
                fds.push_back({ events ? connection.sides[side].get() : -1, events, 0 });
                owners.emplace_back(&connection, side);
            }
        }
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        if (fds[0].revents)
            return; // the container has exited: whatever is still open goes with the forwarder
        for (size_t index = 2; index < fds.size(); ++index) {
            if (fds[index].revents)
                owners[index - 2].first->serve(owners[index - 2].second, fds[index].revents);
        }
        connections.remove_if([](const Connection& connection) { return connection.done(); });
        if (!(fds[1].revents & POLLIN))
            continue;
        UniqueFd host(::accept4(m_listener.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
        if (!host.valid() || connections.size() >= kMaxConnections)
            continue; // over the limit: the client sees its connection closed at once
        // The connection into the container is made here, on this thread: it answers at once
        // (process isolation) or within the vsock device's time limit (a VM), and a container that
        // is slow to answer holds up only its own forwarder.
        auto container = m_connect(m_mapping.container_port);
        // Nothing listens in the container (yet): the host side sees the connection closed, as
        // with docker-proxy.
        if (!container.ok() || !set_nonblocking(container.value().get()))
            continue;
        auto& connection = connections.emplace_back();
        connection.sides[0] = std::move(host);
        connection.sides[1] = container.release_value();
    }
}

}
