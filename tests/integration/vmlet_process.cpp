#include "tests/integration/vmlet_process.h"
#include "tests/integration/own_network_namespace.h"
#include "vmm/base/exit_status.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

extern char** environ;

namespace vmlet::test {

namespace {

// Before main(), so before any thread: every test binary that runs vmlet runs it here.
[[maybe_unused]] const bool s_own_network_namespace = enter_own_network_namespace();

}

ProcessResult run_vmlet(const std::vector<std::string>& arguments, const ProcessOptions& options)
{
    int out_pipe[2];
    int err_pipe[2];
    int in_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) < 0 || ::pipe2(err_pipe, O_CLOEXEC) < 0 || ::pipe2(in_pipe, O_CLOEXEC) < 0)
        throw std::runtime_error("pipe2 failed");
    int master = -1, terminal = -1;
    winsize size { .ws_row = kTerminalRows, .ws_col = kTerminalCols, .ws_xpixel = 0, .ws_ypixel = 0 };
    if (options.terminal && ::openpty(&master, &terminal, nullptr, nullptr, &size) < 0)
        throw std::runtime_error("openpty failed");
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0)
        throw std::runtime_error("fork failed");
    if (pid == 0) {
        // A test process that dies (a crash, ctest's timeout) takes its vmlet with it: an orphaned
        // guest would hold ctest's output pipe open and stall the whole run.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(127);
        if (options.terminal) {
            // A session of its own with the terminal as its controlling one, as a login shell's.
            ::setsid();
            for (int fd : { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO })
                ::dup2(terminal, fd);
            ::ioctl(STDIN_FILENO, TIOCSCTTY, 0);
            // openpty's descriptors are not close-on-exec: vmlet must hold only 0, 1 and 2.
            ::close(terminal);
            ::close(master);
        } else {
            ::dup2(out_pipe[1], STDOUT_FILENO);
            ::dup2(err_pipe[1], STDERR_FILENO);
            if (options.input.empty())
                ::dup2(::open("/dev/null", O_RDONLY), STDIN_FILENO);
            else
                ::dup2(in_pipe[0], STDIN_FILENO);
            ::setpgid(0, 0);
        }
        if (!options.working_directory.empty() && ::chdir(options.working_directory.c_str()) < 0)
            ::_exit(126);
        for (const auto& [name, value] : options.environment)
            ::setenv(name.c_str(), value.c_str(), 1);
        auto binary = options.binary.empty() ? std::string(VMLET_BINARY) : options.binary;
        std::vector<char*> argv { binary.data() };
        for (const auto& argument : arguments)
            argv.push_back(const_cast<char*>(argument.c_str()));
        argv.push_back(nullptr);
        ::execve(binary.c_str(), argv.data(), environ);
        ::_exit(127);
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    ::close(in_pipe[0]);
    // Test input is small: it fits in the pipe (or the terminal's buffer) at once.
    auto type_input = [&] {
        int to = options.terminal ? master : in_pipe[1];
        if (!options.input.empty() && ::write(to, options.input.data(), options.input.size()) < 0)
            throw std::runtime_error("writing test input failed");
    };
    bool typed = !options.terminal;
    bool resized = options.resize_after.empty();
    if (options.terminal) {
        ::close(terminal);
        ::close(out_pipe[0]);
        out_pipe[0] = master; // EIO once no process holds the terminal side
        typed = options.input_after.empty();
        if (typed)
            type_input();
    } else {
        type_input();
    }
    ::close(in_pipe[1]);

    ProcessResult result;
    auto deadline = std::chrono::steady_clock::now() + options.timeout;
    pollfd fds[2] = { { out_pipe[0], POLLIN, 0 }, { err_pipe[0], POLLIN, 0 } };
    int open_pipes = 2;
    bool signalled = false;
    while (open_pipes > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) {
            result.timed_out = true;
            ::kill(-pid, SIGKILL);
            break;
        }
        if (::poll(fds, 2, int(left)) <= 0)
            continue;
        for (int index = 0; index < 2; ++index) {
            if (fds[index].fd < 0 || !(fds[index].revents & (POLLIN | POLLHUP)))
                continue;
            char buffer[4096];
            ssize_t count = ::read(fds[index].fd, buffer, sizeof(buffer));
            if (count <= 0) {
                ::close(fds[index].fd);
                fds[index].fd = -1;
                --open_pipes;
            } else {
                (index == 0 ? result.out : result.err).append(buffer, size_t(count));
                if (!resized && result.out.find(options.resize_after) != std::string::npos) {
                    // The kernel sends SIGWINCH to the terminal's foreground: vmlet (ioctl_tty(2)).
                    winsize bigger { .ws_row = kResizedRows, .ws_col = kResizedCols, .ws_xpixel = 0, .ws_ypixel = 0 };
                    ::ioctl(master, TIOCSWINSZ, &bigger);
                    resized = true;
                }
                if (!typed && result.out.find(options.input_after) != std::string::npos) {
                    type_input();
                    typed = true;
                }
                if (options.signal && !signalled && result.out.find(options.signal_after) != std::string::npos) {
                    ::kill(pid, options.signal);
                    signalled = true;
                }
            }
        }
    }
    for (auto& fd : fds) {
        if (fd.fd >= 0)
            ::close(fd.fd);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!result.timed_out)
        result.exit_code = exit_status_from_wait_status(status);
    return result;
}

std::string vmlet_binary()
{
    return VMLET_BINARY;
}

std::vector<std::string> vmlet_cgroups()
{
    namespace fs = std::filesystem;
    std::vector<std::string> found;
    std::error_code error;
    for (auto entry = fs::recursive_directory_iterator("/sys/fs/cgroup", fs::directory_options::skip_permission_denied, error);
         entry != fs::recursive_directory_iterator(); entry.increment(error)) {
        if (entry.depth() > 6 || error) {
            entry.disable_recursion_pending();
            continue;
        }
        if (entry->is_directory() && entry->path().parent_path().filename() == "vmlet")
            found.push_back(entry->path().string());
    }
    return found;
}

std::string vmlet_runtime_binary()
{
    return VMLET_RUNTIME_BINARY;
}

bool kvm_available()
{
    return ::access("/dev/kvm", R_OK | W_OK) == 0;
}

std::string bundled_kernel()
{
    return VMLET_DATADIR "/vmlinux";
}

std::string bundled_initrd()
{
    return VMLET_DATADIR "/initramfs.cpio";
}

void write_file(const std::string& path, const std::vector<uint8_t>& bytes)
{
    std::ofstream file(path, std::ios::binary);
    file.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

}
