#include "vmm/base/unix_socket.h"

#include <sys/socket.h>

namespace vmlet {

Result<sockaddr_un> unix_socket_address(std::string_view path)
{
    sockaddr_un address {};
    if (path.empty() || path.size() >= sizeof address.sun_path)
        return make_error("socket path {} is too long (at most {} bytes)", path, sizeof address.sun_path - 1);
    address.sun_family = AF_UNIX;
    path.copy(address.sun_path, path.size());
    return address;
}

}
