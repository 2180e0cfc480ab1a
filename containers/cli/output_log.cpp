#include "containers/cli/output_log.h"

#include "vmm/base/file.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace vmlet {

namespace {

// Copies `from` to both `screen` and `log` until its end. When the screen is gone (a pipe whose
// reader exited: EPIPE), reading stops and `from` closes, so that the container's next write
// gets its SIGPIPE, as in a shell pipeline.
void copy_to_both(int from, int screen, int log)
{
    std::array<uint8_t, 1 << 16> buffer;
    for (;;) {
        ssize_t count = ::read(from, buffer.data(), buffer.size());
        if (count < 0 && errno == EINTR)
            continue;
        if (count <= 0)
            return;
        auto bytes = std::span<const uint8_t>(buffer.data(), static_cast<size_t>(count));
        (void)write_all(log, bytes);
        if (!write_all(screen, bytes).ok())
            return;
    }
}

}

Result<std::unique_ptr<OutputLog>> OutputLog::open(const std::string& directory)
{
    auto out_log = TRY(open_file(directory + "/stdout.log", O_WRONLY | O_CREAT | O_APPEND));
    auto err_log = TRY(open_file(directory + "/stderr.log", O_WRONLY | O_CREAT | O_APPEND));
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) < 0)
        return errno_error("pipe2");
    UniqueFd out_read(out[0]);
    std::unique_ptr<OutputLog> log(new OutputLog);
    log->m_out.reset(out[1]);
    if (::pipe2(err, O_CLOEXEC) < 0)
        return errno_error("pipe2");
    UniqueFd err_read(err[0]);
    log->m_err.reset(err[1]);
    // The copiers take no signals: those vmlet passes on (ForwardedSignals) must reach the thread
    // that reads them, and a thread starts with its creator's mask.
    sigset_t all, old;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &old);
    log->m_out_copier = std::thread([from = std::move(out_read), to = std::move(out_log)] { copy_to_both(from.get(), STDOUT_FILENO, to.get()); });
    log->m_err_copier = std::thread([from = std::move(err_read), to = std::move(err_log)] { copy_to_both(from.get(), STDERR_FILENO, to.get()); });
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return log;
}

void OutputLog::release_container_side()
{
    m_out.reset();
    m_err.reset();
}

OutputLog::~OutputLog()
{
    release_container_side();
    for (auto* copier : { &m_out_copier, &m_err_copier }) {
        if (copier->joinable())
            copier->join();
    }
}

}
