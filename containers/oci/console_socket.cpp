#include "containers/oci/console_socket.h"

#include "vmm/base/file.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cstring>

namespace vmlet::oci {

Result<UniqueFd> connect_console_socket(const std::string& path)
{
    auto slash = path.rfind('/');
    auto directory = TRY(open_file(slash == std::string::npos ? "." : path.substr(0, std::max<size_t>(slash, 1)), O_PATH | O_DIRECTORY));
    auto name = fmt::format("/proc/self/fd/{}/{}", directory.get(), slash == std::string::npos ? path : path.substr(slash + 1));
    sockaddr_un address {};
    address.sun_family = AF_UNIX;
    if (name.size() >= sizeof address.sun_path)
        return make_error("--console-socket {}: the name is too long", path);
    std::memcpy(address.sun_path, name.c_str(), name.size());
    UniqueFd socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!socket.valid())
        return errno_error("socket");
    if (::connect(socket.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) < 0)
        return errno_error(fmt::format("cannot connect to --console-socket {}", path));
    return socket;
}

}
