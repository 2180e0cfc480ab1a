#include "devices/console_output.h"

#include <fmt/format.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace vmlet {

ConsoleOutput::ConsoleOutput(int fd)
    : m_fd(fd)
{
    struct stat status {};
    if (fd < 0 || ::fstat(fd, &status) < 0 || S_ISREG(status.st_mode))
        return;
    // O_NONBLOCK is a property of the open file description, which vmlet shares with its parent
    // (a shell's terminal): a description of its own, opened through /proc (proc(5), /proc/pid/fd),
    // is made non-blocking instead.
    int own = ::open(fmt::format("/proc/self/fd/{}", fd).c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (own >= 0) {
        m_own.reset(own);
        m_fd = own;
    }
}

void ConsoleOutput::write(std::span<const uint8_t> data)
{
    while (!data.empty()) {
        ssize_t written = ::write(m_fd, data.data(), data.size());
        if (written > 0) {
            m_stalled = false;
            data = data.subspan(static_cast<size_t>(written));
            continue;
        }
        if (written < 0 && errno == EINTR)
            continue;
        if (written < 0 && errno == EAGAIN && !m_stalled) {
            pollfd ready { m_fd, POLLOUT, 0 };
            if (::poll(&ready, 1, kStallTimeoutMs) == 1)
                continue;
            m_stalled = true;
        }
        return; // the reader is gone or stalled: the rest is dropped
    }
}

}
