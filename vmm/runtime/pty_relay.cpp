#include "vmm/runtime/pty_relay.h"

#include "vmm/base/fd_copy.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace vmlet {

PtyRelay::PtyRelay(UniqueFd master, int in, int out)
    : m_master(std::move(master))
    , m_stop(::eventfd(0, EFD_CLOEXEC))
{
    UniqueFd to(::fcntl(out, F_DUPFD_CLOEXEC, 3));
    m_output = std::thread([this, to = std::move(to)] {
        copy_until_end(m_master.get(), to.get(), m_stop.get());
        m_output_done = true;
    });
    if (in >= 0) {
        UniqueFd from(::fcntl(in, F_DUPFD_CLOEXEC, 3));
        m_input = std::thread([this, from = std::move(from)] { copy_until_end(from.get(), m_master.get(), m_stop.get()); });
    }
}

void PtyRelay::resize(TerminalSize size)
{
    winsize window { .ws_row = size.rows, .ws_col = size.cols, .ws_xpixel = 0, .ws_ypixel = 0 };
    ::ioctl(m_master.get(), TIOCSWINSZ, &window);
}

void PtyRelay::finish(std::chrono::milliseconds timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!m_output_done && std::chrono::steady_clock::now() < deadline)
        ::usleep(5000);
    uint64_t one = 1;
    (void)::write(m_stop.get(), &one, sizeof one);
    for (auto* copier : { &m_output, &m_input }) {
        if (copier->joinable())
            copier->join();
    }
}

PtyRelay::~PtyRelay()
{
    finish(std::chrono::milliseconds(0));
}

}
