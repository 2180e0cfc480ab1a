#include "vmm/cli/terminal_relay.h"

#include "vmm/base/fd_copy.h"

#include <fcntl.h>
#include <pty.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace vmlet {

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
        m_input = std::thread([this] { copy_until_end(STDIN_FILENO, m_master.get(), m_stop.get()); });
    m_output = std::thread([this] { copy_until_end(m_master.get(), STDOUT_FILENO, m_stop.get()); });
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
