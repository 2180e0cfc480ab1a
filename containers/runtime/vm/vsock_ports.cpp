#include "containers/runtime/vm/vsock_ports.h"

#include "containers/runtime/vm/monitor_jail.h"

#include "vmm/base/hybrid_vsock.h"
#include "vmm/base/unix_socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace vmlet {

namespace {

// How long the VM's vsock device may take to answer a CONNECT.
constexpr auto kConnectTimeout = std::chrono::seconds(10);

}

Result<UniqueFd> listen_for_guest(const std::string& socket, uint32_t port)
{
    auto path = hybrid_vsock::listener_path(socket, port);
    auto address = TRY(unix_socket_address(path));
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid() || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) < 0)
        return errno_error(fmt::format("cannot listen on {}", path));
    if (::listen(fd.get(), 4) < 0) {
        auto error = errno_error(fmt::format("cannot listen on {}", path));
        ::unlink(path.c_str());
        return error;
    }
    // connect(2) needs write permission on the socket, which the jailed monitor lacks otherwise.
    if (auto opened = open_to_monitor(path, MonitorAccess::Connect); !opened.ok()) {
        ::unlink(path.c_str());
        return opened.release_error();
    }
    return fd;
}

Result<UniqueFd> connect_to_guest(const std::string& socket, uint32_t port)
{
    auto address = TRY(unix_socket_address(socket));
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid() || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) < 0)
        return errno_error("cannot reach the container's VM");
    TRY(send_bytes(fd.get(), hybrid_vsock::connect_line(port)));
    std::string reply;
    for (char c = 0; c != '\n';) {
        if (!TRY(receive_exactly(fd.get(), &c, 1, kConnectTimeout)) || reply.size() > hybrid_vsock::kMaxConnectLine)
            return make_error("the container's VM refused a connection to its port {}", port);
        reply += c;
    }
    if (!hybrid_vsock::is_ok_line(reply))
        return make_error("the container's VM refused a connection to its port {}", port);
    return fd;
}

Result<void> send_bytes(int fd, std::string_view bytes, std::chrono::milliseconds timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (size_t done = 0; done < bytes.size();) {
        ssize_t count = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            pollfd ready { fd, POLLOUT, 0 };
            if (left.count() <= 0 || (::poll(&ready, 1, static_cast<int>(left.count())) < 0 && errno != EINTR))
                return make_error("the guest stopped reading what vmlet sends it");
            continue;
        }
        if (count < 0)
            return errno_error("writing to the guest agent");
        done += static_cast<size_t>(count);
    }
    return {};
}

Result<bool> receive_exactly(int fd, char* buffer, size_t size, std::chrono::milliseconds timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (size_t done = 0; done < size;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        pollfd ready { fd, POLLIN, 0 };
        int polled = left.count() > 0 ? ::poll(&ready, 1, static_cast<int>(left.count())) : 0;
        if (polled < 0 && errno == EINTR)
            continue;
        if (polled < 0)
            return errno_error("waiting for the guest agent");
        if (polled == 0)
            return make_error("the guest agent did not answer within {} ms", timeout.count());
        ssize_t count = ::read(fd, buffer + done, size - done);
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0)
            return errno_error("reading from the guest agent");
        if (count == 0)
            return false;
        done += static_cast<size_t>(count);
    }
    return true;
}

}
