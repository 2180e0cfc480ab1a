#include "containers/runtime/vm/console_log.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace vmlet {

Result<std::unique_ptr<ConsoleLog>> ConsoleLog::open(const std::string& path, RotationLimits limits)
{
    std::shared_ptr<RotatingFile> file = TRY(RotatingFile::open(path, limits, 0640));
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) < 0)
        return errno_error("pipe2");
    UniqueFd read_end(ends[0]);
    std::unique_ptr<ConsoleLog> log(new ConsoleLog);
    log->m_write_end.reset(ends[1]);
    // No signals for the copier: they belong to the thread that forwards them (ForwardedSignals).
    sigset_t all, old;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &old);
    log->m_copier = std::thread([from = std::move(read_end), file] {
        std::array<char, 1 << 16> buffer;
        for (;;) {
            ssize_t count = ::read(from.get(), buffer.data(), buffer.size());
            if (count < 0 && errno == EINTR)
                continue;
            if (count <= 0)
                return;
            file->append(std::string_view(buffer.data(), static_cast<size_t>(count)));
        }
    });
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return log;
}

ConsoleLog::~ConsoleLog()
{
    release_monitor_side();
    if (m_copier.joinable())
        m_copier.join();
}

}
