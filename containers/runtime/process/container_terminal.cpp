#include "containers/runtime/process/container_terminal.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vmlet {

namespace {

// A message of one byte with room for one descriptor (SCM_RIGHTS, unix(7)), all on the stack.
struct DescriptorMessage {
    char byte = 0;
    iovec data { &byte, 1 };
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] {};
    msghdr message {};

    DescriptorMessage()
    {
        message.msg_iov = &data;
        message.msg_iovlen = 1;
        message.msg_control = control;
        message.msg_controllen = sizeof control;
    }
    DescriptorMessage(const DescriptorMessage&) = delete;
    DescriptorMessage& operator=(const DescriptorMessage&) = delete;
};

}

Result<ConsoleSocket> make_console_socket()
{
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
        return errno_error("socketpair for the container's terminal");
    ConsoleSocket console { UniqueFd(pair[0]), UniqueFd(pair[1]) };
    // Above 0, 1 and 2, which the child's dup2 of its terminal replaces.
    if (console.child.get() < 3)
        console.child.reset(::fcntl(console.child.get(), F_DUPFD_CLOEXEC, 3));
    if (!console.child.valid())
        return errno_error("dup of the container's terminal socket");
    return console;
}

int open_container_terminal(int console, TerminalSize size, uid_t uid)
{
    int master = ::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
        return -1;
    int unlock = 0;
    winsize window { .ws_row = size.rows, .ws_col = size.cols, .ws_xpixel = 0, .ws_ypixel = 0 };
    // TIOCGPTPEER opens the terminal side without a path lookup (ioctl_tty(2)).
    int terminal = -1;
    if (::ioctl(master, TIOCSPTLCK, &unlock) == 0 && ::ioctl(master, TIOCSWINSZ, &window) == 0)
        terminal = ::ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (terminal >= 0 && ::fchown(terminal, uid, static_cast<gid_t>(-1)) < 0) {
        ::close(terminal);
        terminal = -1;
    }
    if (terminal >= 0) {
        DescriptorMessage sent;
        cmsghdr* header = CMSG_FIRSTHDR(&sent.message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(header), &master, sizeof master);
        if (::sendmsg(console, &sent.message, MSG_NOSIGNAL) != 1) {
            ::close(terminal);
            terminal = -1;
        }
    }
    int error = errno;
    ::close(master);
    errno = error;
    return terminal;
}

int receive_terminal_master(int console)
{
    DescriptorMessage received;
    ssize_t count;
    do
        count = ::recvmsg(console, &received.message, MSG_CMSG_CLOEXEC);
    while (count < 0 && errno == EINTR);
    cmsghdr* header = count == 1 ? CMSG_FIRSTHDR(&received.message) : nullptr;
    if (!header || header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS || header->cmsg_len != CMSG_LEN(sizeof(int)))
        return -1;
    int master = -1;
    std::memcpy(&master, CMSG_DATA(header), sizeof master);
    return master;
}

}
