#include "containers/runtime/udp_forwarder.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <vector>

namespace vmlet {

namespace {

// The largest UDP payload over IPv4 (65535 - 20 - 8).
constexpr size_t kMaxDatagram = 65507;

struct Client {
    sockaddr_in address {};
    UniqueFd towards_container;
    std::chrono::steady_clock::time_point last_active;
};

bool same_peer(const sockaddr_in& a, const sockaddr_in& b)
{
    return a.sin_addr.s_addr == b.sin_addr.s_addr && a.sin_port == b.sin_port;
}

}

Result<std::unique_ptr<UdpForwarder>> UdpForwarder::bind(const PortMapping& mapping)
{
    UniqueFd socket(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!socket.valid())
        return errno_error("socket");
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_port = htons(mapping.host_port);
    if (::inet_pton(AF_INET, mapping.host_ip.c_str(), &address.sin_addr) != 1)
        return make_error("'{}' is not an IPv4 address", mapping.host_ip);
    if (::bind(socket.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) < 0)
        return errno_error(fmt::format("cannot publish {}:{}/udp", mapping.host_ip, mapping.host_port));
    UniqueFd stop(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!stop.valid())
        return errno_error("eventfd");
    return std::unique_ptr<UdpForwarder>(new UdpForwarder(mapping, std::move(socket), std::move(stop)));
}

UdpForwarder::~UdpForwarder()
{
    if (m_thread.joinable()) {
        uint64_t one = 1;
        [[maybe_unused]] auto written = ::write(m_stop_event.get(), &one, sizeof one);
        m_thread.join();
    }
}

void UdpForwarder::start(uint32_t container_address)
{
    m_thread = std::thread([this, container_address] { serve(container_address); });
}

uint16_t UdpForwarder::host_port() const
{
    sockaddr_in address {};
    socklen_t length = sizeof address;
    ::getsockname(m_socket.get(), reinterpret_cast<sockaddr*>(&address), &length);
    return ntohs(address.sin_port);
}

void UdpForwarder::serve(uint32_t container_address)
{
    sockaddr_in container {};
    container.sin_family = AF_INET;
    container.sin_addr.s_addr = htonl(container_address);
    container.sin_port = htons(m_mapping.container_port);
    std::vector<Client> clients;
    std::vector<uint8_t> datagram(kMaxDatagram);
    for (;;) {
        std::vector<pollfd> ready { { m_stop_event.get(), POLLIN, 0 }, { m_socket.get(), POLLIN, 0 } };
        for (const auto& client : clients)
            ready.push_back({ client.towards_container.get(), POLLIN, 0 });
        if (::poll(ready.data(), ready.size(), 1000) < 0 && errno != EINTR)
            return;
        if (ready[0].revents)
            return;
        auto now = std::chrono::steady_clock::now();
        // Answers from the container go back to their client, from the published port.
        for (size_t index = 0; index < clients.size(); ++index) {
            if (!(ready[index + 2].revents & POLLIN))
                continue;
            auto& client = clients[index];
            for (ssize_t count; (count = ::recv(client.towards_container.get(), datagram.data(), datagram.size(), 0)) >= 0;) {
                ::sendto(m_socket.get(), datagram.data(), size_t(count), 0, reinterpret_cast<const sockaddr*>(&client.address), sizeof client.address);
                client.last_active = now;
            }
        }
        std::erase_if(clients, [&](const Client& client) { return now - client.last_active > kIdleTimeout; });
        if (!(ready[1].revents & POLLIN))
            continue;
        for (;;) {
            sockaddr_in from {};
            socklen_t length = sizeof from;
            ssize_t count = ::recvfrom(m_socket.get(), datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&from), &length);
            if (count < 0)
                break;
            auto client = std::ranges::find_if(clients, [&](const Client& known) { return same_peer(known.address, from); });
            if (client == clients.end()) {
                if (clients.size() == kMaxClients)
                    clients.erase(std::ranges::min_element(clients, {}, &Client::last_active));
                UniqueFd towards(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
                if (!towards.valid() || ::connect(towards.get(), reinterpret_cast<const sockaddr*>(&container), sizeof container) < 0)
                    continue;
                clients.push_back({ .address = from, .towards_container = std::move(towards), .last_active = now });
                client = clients.end() - 1;
            }
            client->last_active = now;
            // A container that is not listening yet answers with ICMP; the datagram is lost, as UDP's are.
            ::send(client->towards_container.get(), datagram.data(), size_t(count), 0);
        }
    }
}

}
