#include "containers/oci/console_socket.h"

#include "vmm/base/file.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
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

Result<UniqueFd> send_host_terminal(int console, TerminalSize size)
{
    UniqueFd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!master.valid() || ::grantpt(master.get()) < 0 || ::unlockpt(master.get()) < 0)
        return errno_error("cannot open a pseudo-terminal");
    char name[64];
    if (::ptsname_r(master.get(), name, sizeof name) != 0)
        return errno_error("ptsname");
    // The peer by the master itself (TIOCGPTPEER, Linux 4.13), not by its name: /dev/ptmx may be
    // another devpts instance than the one mounted on /dev/pts (ioctl_tty(2)).
    UniqueFd terminal(::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!terminal.valid())
        return errno_error("cannot open the pseudo-terminal's peer");
    winsize window {};
    window.ws_row = size.rows;
    window.ws_col = size.cols;
    if ((size.rows || size.cols) && ::ioctl(terminal.get(), TIOCSWINSZ, &window) < 0)
        return errno_error("cannot size the terminal");
    char control[CMSG_SPACE(sizeof(int))] {};
    iovec payload { .iov_base = name, .iov_len = std::strlen(name) };
    msghdr message {};
    message.msg_iov = &payload;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    int fd = master.get();
    std::memcpy(CMSG_DATA(header), &fd, sizeof fd);
    if (::sendmsg(console, &message, MSG_NOSIGNAL) < 0)
        return errno_error("cannot send the terminal over --console-socket");
    return terminal;
}

}
