#include "containers/lab/lab_process.h"

#include "vmm/base/subprocess.h"
#include "vmm/base/unique_fd.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

namespace vmlet::lab {

Result<Ran> run_measured(const std::vector<std::string>& argv, std::chrono::seconds timeout)
{
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) < 0)
        return errno_error("pipe2");
    UniqueFd out_read(out[0]), out_write(out[1]);
    if (::pipe2(err, O_CLOEXEC) < 0)
        return errno_error("pipe2");
    UniqueFd err_read(err[0]), err_write(err[1]);
    auto started = std::chrono::steady_clock::now();
    auto since_start = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
    auto pid = TRY(spawn_process(argv, { .stdin_fd = -1, .stdout_fd = out_write.get(), .stderr_fd = err_write.get(), .own_process_group = true }));
    out_write.reset();
    err_write.reset();
    Ran ran;
    auto deadline = started + timeout;
    bool killed = false;
    pollfd fds[2] = { { out_read.get(), POLLIN, 0 }, { err_read.get(), POLLIN, 0 } };
    std::string* sinks[2] = { &ran.out, &ran.err };
    while (fds[0].fd >= 0 || fds[1].fd >= 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0 && !killed) {
            // The whole group: vmlet and what it started in its own group (a VM's monitor).
            ::kill(-pid, SIGKILL);
            killed = true;
        }
        int ready = ::poll(fds, 2, killed ? 1000 : static_cast<int>(std::min<long>(left, 1000)));
        if (ready < 0 && errno != EINTR)
            return errno_error("poll");
        for (int index = 0; index < 2; index++) {
            if (fds[index].fd < 0 || !(fds[index].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char buffer[65536];
            ssize_t count = ::read(fds[index].fd, buffer, sizeof buffer);
            if (count > 0) {
                if (index == 0 && !ran.first_output_seconds)
                    ran.first_output_seconds = since_start();
                sinks[index]->append(buffer, static_cast<size_t>(count));
            } else if (count == 0 || errno != EINTR) {
                fds[index].fd = -1;
            }
        }
    }
    ran.status = TRY(wait_process(pid));
    ran.seconds = since_start();
    return ran;
}

}
