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
    auto [rows, cols] = RawTerminal::size();
    winsize size { .ws_row = rows, .ws_col = cols, .ws_xpixel = 0, .ws_ypixel = 0 };
    if (::openpty(&master, &terminal, nullptr, nullptr, &size) < 0)
        return errno_error("cannot allocate a pseudo-terminal");
    relay->m_master.reset(master);
    relay->m_terminal.reset(terminal);
    ::fcntl(master, F_SETFD, FD_CLOEXEC);
    ::fcntl(terminal, F_SETFD, FD_CLOEXEC);
    relay->m_stop.reset(::eventfd(0, EFD_CLOEXEC));
    relay->m_raw.emplace();
    return relay;
}

void TerminalRelay::start(bool forward_input)
{
    m_terminal.reset();
    if (forward_input)
        m_input = std::thread([this] { copy_until_end(STDIN_FILENO, m_master.get(), m_stop.get()); });
    m_output = std::thread([this] { copy_until_end(m_master.get(), STDOUT_FILENO, m_stop.get()); });
}

void TerminalRelay::resize()
{
    auto [rows, cols] = RawTerminal::size();
    winsize size { .ws_row = rows, .ws_col = cols, .ws_xpixel = 0, .ws_ypixel = 0 };
    ::ioctl(m_master.get(), TIOCSWINSZ, &size);
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
}

}
