#include "containers/runtime/process/pty_relay.h"

#include "vmm/base/file.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace vmlet {

namespace {

// Waits until `fd` is ready for `events`; false when `stop` fires first or poll fails.
bool wait_ready(int fd, short events, int stop)
{
    for (;;) {
        pollfd fds[2] = { { fd, events, 0 }, { stop, POLLIN, 0 } };
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        if (fds[1].revents)
            return false;
        if (fds[0].revents)
            return true;
    }
}

// The master side is non-blocking, so that neither copier can hang on it: a process that does
// not read its terminal (a full input queue) would otherwise keep finish() waiting for ever.
void copy_output(int master, int to, int stop)
{
    std::array<uint8_t, 1 << 16> buffer;
    while (wait_ready(master, POLLIN, stop)) {
        ssize_t count = ::read(master, buffer.data(), buffer.size());
        if (count < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        // EIO: no process holds the terminal side any more.
        if (count <= 0 || !write_all(to, std::span<const uint8_t>(buffer.data(), static_cast<size_t>(count))).ok())
            return;
    }
}

void copy_input(int from, int master, int stop)
{
    std::array<uint8_t, 4096> buffer;
    while (wait_ready(from, POLLIN, stop)) {
        ssize_t count = ::read(from, buffer.data(), buffer.size());
        if (count < 0 && errno == EINTR)
            continue;
        if (count <= 0)
            return;
        for (ssize_t done = 0; done < count;) {
            if (!wait_ready(master, POLLOUT, stop))
                return;
            ssize_t written = ::write(master, buffer.data() + done, static_cast<size_t>(count - done));
            if (written < 0 && errno != EINTR && errno != EAGAIN)
                return;
            done += written > 0 ? written : 0;
        }
    }
}

}

PtyRelay::PtyRelay(UniqueFd master, int in, int out)
    : m_master(std::move(master))
    , m_stop(::eventfd(0, EFD_CLOEXEC))
{
    ::fcntl(m_master.get(), F_SETFL, ::fcntl(m_master.get(), F_GETFL) | O_NONBLOCK);
    UniqueFd to(::fcntl(out, F_DUPFD_CLOEXEC, 3));
    m_output = std::thread([this, to = std::move(to)] {
        copy_output(m_master.get(), to.get(), m_stop.get());
        m_output_done = true;
    });
    if (in >= 0) {
        UniqueFd from(::fcntl(in, F_DUPFD_CLOEXEC, 3));
        m_input = std::thread([this, from = std::move(from)] { copy_input(from.get(), m_master.get(), m_stop.get()); });
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
