#include "containers/runtime/process/namespace_connect.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace vmlet {

Result<UniqueFd> connect_in_network_namespace(int pidfd, uint16_t port)
{
    Result<UniqueFd> result = make_error("no connection made");
    // setns changes only the calling thread's namespace, and this thread ends right after.
    std::thread inside([&] {
        if (::setns(pidfd, CLONE_NEWNET) < 0) {
            result = errno_error("cannot enter the container's network namespace");
            return;
        }
        UniqueFd socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (!socket.valid()) {
            result = errno_error("socket");
            return;
        }
        sockaddr_in address {};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(socket.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) < 0) {
            result = errno_error(fmt::format("cannot connect to port {} in the container", port));
            return;
        }
        result = std::move(socket);
    });
    inside.join();
    return result;
}

}
