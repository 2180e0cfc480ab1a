#include "containers/registry/loopback.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <memory>
#include <string>

namespace vmlet::image {

namespace {

struct AddrinfoFree {
    void operator()(addrinfo* list) const { freeaddrinfo(list); }
};

bool is_loopback_address(const sockaddr* address)
{
    if (address->sa_family == AF_INET) {
        auto ip = ntohl(reinterpret_cast<const sockaddr_in*>(address)->sin_addr.s_addr);
        return (ip >> 24) == 127;
    }
    if (address->sa_family == AF_INET6)
        return IN6_IS_ADDR_LOOPBACK(&reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr);
    return false;
}

}

std::string_view host_of(std::string_view registry)
{
    if (registry.starts_with('[')) {
        auto close = registry.find(']');
        return registry.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1);
    }
    if (std::count(registry.begin(), registry.end(), ':') == 1)
        return registry.substr(0, registry.find(':'));
    return registry;
}

bool is_loopback_host(std::string_view host)
{
    if (host.empty())
        return false;
    addrinfo hints {};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(std::string(host).c_str(), nullptr, &hints, &found) != 0)
        return false;
    std::unique_ptr<addrinfo, AddrinfoFree> list(found);
    for (addrinfo* entry = list.get(); entry; entry = entry->ai_next) {
        if (!is_loopback_address(entry->ai_addr))
            return false;
    }
    return true;
}

}
