#include "vmm/cli/terminal_relay.h"

#include "vmm/base/file.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <array>

namespace vmlet {

namespace {

// Copies `from` to `to` until either ends or `stop` fires.
void copy_until_closed(int from, int to, int stop)
{
    std::array<char, 4096> buffer;
    for (;;) {
        std::array<pollfd, 2> fds { { { from, POLLIN, 0 }, { stop, POLLIN, 0 } } };
        if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR)
            return;
        if (fds[1].revents)
            return;
        if (!fds[0].revents)
            continue;
        ssize_t count = ::read(from, buffer.data(), buffer.size());
        // EIO on the pty's master side: every holder of the terminal side has closed it.
        if (count <= 0)
            return;
        if (!write_all(to, std::span(reinterpret_cast<const uint8_t*>(buffer.data()), static_cast<size_t>(count))).ok())
            return;
    }
}

}

Result<std::unique_ptr<TerminalRelay>> TerminalRelay::open()
{
    std::unique_ptr<TerminalRelay> relay(new TerminalRelay);
    int master = -1, terminal = -1;
    winsize size {};
    bool has_size = ::ioctl(STDIN_FILENO, TIOCGWINSZ, &size) == 0;
    if (::openpty(&master, &terminal, nullptr, nullptr, has_size ? &size : nullptr) < 0)
        return errno_error("cannot allocate a pseudo-terminal");
    relay->m_master.reset(master);
    relay->m_terminal.reset(terminal);
    ::fcntl(master, F_SETFD, FD_CLOEXEC);
    ::fcntl(terminal, F_SETFD, FD_CLOEXEC);
    relay->m_stop.reset(::eventfd(0, EFD_CLOEXEC));
    termios settings {};
    if (::tcgetattr(STDIN_FILENO, &settings) == 0) {
        relay->m_saved = settings;
        ::cfmakeraw(&settings);
        ::tcsetattr(STDIN_FILENO, TCSANOW, &settings);
    }
    return relay;
}

void TerminalRelay::start(bool forward_input)
{
    m_terminal.reset();
    if (forward_input)
        m_input = std::thread([this] { copy_until_closed(STDIN_FILENO, m_master.get(), m_stop.get()); });
    m_output = std::thread([this] { copy_until_closed(m_master.get(), STDOUT_FILENO, m_stop.get()); });
}

TerminalRelay::~TerminalRelay()
{
    // Output first: what the container wrote before it exited is still in the pty.
    if (m_output.joinable())
        m_output.join();
    uint64_t one = 1;
    if (m_stop.valid())
        (void)::write(m_stop.get(), &one, sizeof one);
    if (m_input.joinable())
        m_input.join();
    if (m_saved)
        ::tcsetattr(STDIN_FILENO, TCSANOW, &*m_saved);
}

}
