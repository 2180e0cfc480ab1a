#include "tests/support/command.h"
#include "vmm/base/exit_status.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

namespace vmlet::test {

namespace {

// fork + exec with stdin from /dev/null and stdout/stderr on the given descriptors.
pid_t spawn(const std::vector<std::string>& argv, int out_fd, int err_fd)
{
    std::vector<char*> arguments;
    for (const auto& argument : argv)
        arguments.push_back(const_cast<char*>(argument.c_str()));
    arguments.push_back(nullptr);
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0)
        throw std::runtime_error("fork failed for " + argv.at(0));
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(127);
        int null_fd = ::open("/dev/null", O_RDONLY);
        ::dup2(null_fd, STDIN_FILENO);
        ::dup2(out_fd, STDOUT_FILENO);
        ::dup2(err_fd, STDERR_FILENO);
        ::execvp(arguments[0], arguments.data());
        ::_exit(127);
    }
    return pid;
}

int exit_code(int status)
{
    return exit_status_from_wait_status(status);
}

// Reads both pipes until they close or the deadline passes; false on the deadline.
bool drain(int out_fd, int err_fd, CommandResult& result, std::chrono::steady_clock::time_point deadline)
{
    pollfd fds[2] = { { out_fd, POLLIN, 0 }, { err_fd, POLLIN, 0 } };
    std::string* sinks[2] = { &result.out, &result.err };
    int open_pipes = 2;
    while (open_pipes > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0)
            return false;
        if (::poll(fds, 2, int(left)) <= 0)
            continue;
        for (int index = 0; index < 2; ++index) {
            if (fds[index].fd < 0 || !(fds[index].revents & (POLLIN | POLLHUP)))
                continue;
            char buffer[8192];
            ssize_t count = ::read(fds[index].fd, buffer, sizeof(buffer));
            if (count > 0) {
                sinks[index]->append(buffer, size_t(count));
            } else {
                fds[index].fd = -1;
                --open_pipes;
            }
        }
    }
    return true;
}

}

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::seconds timeout)
{
    int out_pipe[2];
    int err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) < 0 || ::pipe2(err_pipe, O_CLOEXEC) < 0)
        throw std::runtime_error("pipe2 failed");
    pid_t pid = spawn(argv, out_pipe[1], err_pipe[1]);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    CommandResult result;
    bool finished = drain(out_pipe[0], err_pipe[0], result, std::chrono::steady_clock::now() + timeout);
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    if (!finished)
        ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.exit_code = finished ? exit_code(status) : -1;
    return result;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv, const std::string& log_path)
{
    int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0)
        throw std::runtime_error("cannot open " + log_path);
    m_pid = spawn(argv, log_fd, log_fd);
    ::close(log_fd);
}

BackgroundProcess::~BackgroundProcess()
{
    if (!running())
        return;
    ::kill(m_pid, SIGTERM);
    for (int tries = 0; tries < 50 && running(); ++tries)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (running()) {
        ::kill(m_pid, SIGKILL);
        ::waitpid(m_pid, nullptr, 0);
    }
}

bool BackgroundProcess::running()
{
    if (m_pid < 0)
        return false;
    int status = 0;
    if (::waitpid(m_pid, &status, WNOHANG) == 0)
        return true;
    m_pid = -1;
    return false;
}

}
