#include "containers/lab/tcp_throughput.h"

#include "vmm/base/unique_fd.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace vmlet::lab {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto kIoTimeout = 120s;

sockaddr_in loopback(uint16_t port)
{
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

// A connection the sink has answered "r" on, or none yet (refused, or accepted by a published
// port's listener and closed because nothing listens in the container yet).
UniqueFd connect_once(uint16_t port)
{
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    auto address = loopback(port);
    if (!fd.valid() || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
        return {};
    pollfd ready { fd.get(), POLLIN, 0 };
    char said = 0;
    if (::poll(&ready, 1, 2000) != 1 || ::read(fd.get(), &said, 1) != 1 || said != 'r')
        return {};
    return fd;
}

void set_timeouts(int fd)
{
    timeval limit { std::chrono::duration_cast<std::chrono::seconds>(kIoTimeout).count(), 0 };
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
}

}

Result<uint16_t> free_loopback_port()
{
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    auto address = loopback(0);
    socklen_t length = sizeof address;
    if (!fd.valid() || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0
        || ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0)
        return make_error("a free loopback port: {}", std::strerror(errno));
    return ntohs(address.sin_port);
}

Result<double> send_to_tcp_sink(uint16_t port, std::chrono::seconds ready_within)
{
    auto deadline = Clock::now() + ready_within;
    UniqueFd fd;
    while (!(fd = connect_once(port)).valid()) {
        if (Clock::now() > deadline)
            return make_error("nothing answered on 127.0.0.1:{} within {} s", port, ready_within.count());
        std::this_thread::sleep_for(200ms);
    }
    set_timeouts(fd.get());
    std::vector<char> block(1 << 20, 'x');
    auto started = Clock::now();
    for (uint64_t sent = 0; sent < kTcpBytes;) {
        auto written = ::write(fd.get(), block.data(), std::min<uint64_t>(block.size(), kTcpBytes - sent));
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return make_error("sending to the TCP sink: {}", written < 0 ? std::strerror(errno) : "closed");
        sent += static_cast<uint64_t>(written);
    }
    // The count, a decimal line: at most 20 digits. The sink is the container's, so nothing it
    // says is trusted past that. It waits for this side to close before it exits.
    std::string answer;
    char chunk[32];
    while (answer.size() < 32 && answer.find('\n') == std::string::npos) {
        auto length = ::read(fd.get(), chunk, sizeof chunk);
        if (length < 0 && errno == EINTR)
            continue;
        if (length < 0)
            return make_error("the TCP sink's count: {}", std::strerror(errno));
        if (length == 0)
            break;
        answer.append(chunk, static_cast<size_t>(length));
    }
    auto seconds = std::chrono::duration<double>(Clock::now() - started).count();
    uint64_t counted = 0;
    auto [end, error] = std::from_chars(answer.data(), answer.data() + answer.size(), counted);
    if (error != std::errc() || end == answer.data() || counted != kTcpBytes)
        return make_error("the TCP sink counted {} of the {} bytes sent", error == std::errc() && end != answer.data() ? std::to_string(counted) : "none", kTcpBytes);
    return double(kTcpBytes) * 8 / 1e6 / seconds;
}

}
