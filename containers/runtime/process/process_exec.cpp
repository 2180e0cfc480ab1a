#include "containers/runtime/process/process_exec.h"
#include "vmm/base/exit_status.h"

#include "vmm/base/file.h"
#include "vmm/base/subprocess.h"
#include "containers/runtime/process/container_terminal.h"
#include "containers/runtime/process/descriptors.h"
#include "containers/runtime/process/process_security.h"
#include "containers/runtime/process/pty_relay.h"
#include "containers/runtime/rootfs_path.h"
#include "containers/runtime/user_lookup.h"

#include <fcntl.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace vmlet {

namespace {

constexpr size_t kMaxEtcFile = 1 << 20;

// Everything the forked processes need, made before the fork.
struct ExecPlan {
    std::vector<std::string> args, env, cgroup_procs;
    std::vector<char*> argv, envp;
    std::string working_dir;
    ExecUser user;
    ProcessSecurity security;
    bool interactive { false };
    std::optional<TerminalSize> terminal;
    int console { -1 }; // with a terminal: where its master side goes to vmlet
};

[[noreturn]] void die(int status, const char* what, int error)
{
    dprintf(STDERR_FILENO, "vmlet: %s: %s\n", what, strerror(error));
    _exit(status);
}

// The process inside: already in the container's namespaces and cgroups.
[[noreturn]] void become_process(const ExecPlan& plan)
{
    if (plan.terminal) {
        int terminal = open_container_terminal(plan.console, *plan.terminal, plan.user.uid);
        if (terminal < 0)
            die(125, "cannot open a terminal in the container's /dev/pts", errno);
        for (int fd : { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO })
            ::dup2(terminal, fd);
        // A session leader without a controlling terminal takes one with TIOCSCTTY (ioctl_tty(2)).
        if (::setsid() < 0 || ::ioctl(STDIN_FILENO, TIOCSCTTY, 0) < 0)
            die(125, "cannot take the terminal", errno);
    }
    if (const char* failed = take_container_identity(plan.security, plan.user.uid, plan.user.gid, plan.user.supplementary_gids))
        die(125, failed, errno);
    if (::chdir(plan.working_dir.c_str()) < 0)
        die(125, plan.working_dir.c_str(), errno);
    if (const char* failed = restrict_system_calls(plan.security))
        die(125, failed, errno);
    // execvp searches the PATH of `environ`: the container's, not vmlet's.
    environ = const_cast<char**>(plan.envp.data());
    ::execvp(plan.argv[0], plan.argv.data());
    die(errno == ENOENT ? 127 : 126, plan.argv[0], errno);
}

// The forked child: into the cgroups (host paths, so before the mount namespace changes) and the
// namespaces, then a fork, since only children enter a pid namespace (pid_namespaces(7)).
[[noreturn]] void enter_container(int pidfd, const ExecPlan& plan)
{
    // Not dumpable until the execve(2), which makes the command dumpable again: until then no
    // process of the container may open this one's /proc/PID/fd or /proc/PID/exe (ptrace access
    // mode checks, ptrace(2)), the way runc's CVE-2019-5736 reached the host's binary.
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    // vmlet ignores SIGPIPE (main.cpp); an ignored signal stays ignored across execve(2).
    ::signal(SIGPIPE, SIG_DFL);
    if (!plan.terminal && !plan.interactive) {
        int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        ::dup2(null, STDIN_FILENO);
    }
    // Only the standard streams go in, and the console until the terminal is made.
    if (!close_other_descriptors({ pidfd, plan.console }))
        die(125, "cannot close vmlet's descriptors", errno);
    for (const auto& procs : plan.cgroup_procs) {
        int fd = ::open(procs.c_str(), O_WRONLY);
        if (fd < 0 || ::write(fd, "0", 1) != 1)
            die(125, procs.c_str(), errno);
        ::close(fd);
    }
    if (::setns(pidfd, CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWCGROUP) < 0)
        die(125, "cannot enter the container's namespaces", errno);
    pid_t inside = ::fork();
    if (inside < 0)
        die(125, "fork", errno);
    if (inside == 0)
        become_process(plan);
    int status = 0;
    while (::waitpid(inside, &status, 0) < 0 && errno == EINTR) { }
    _exit(exit_status_from_wait_status(status));
}

// With a terminal: relays it between vmlet's standard streams and the master side the process
// sent from the container (PtyRelay), resizing it as vmlet's terminal changes (SIGWINCH), until
// the process exits.
Result<int> relay_terminal_until_exit(pid_t child, int console, bool interactive)
{
    UniqueFd master(receive_terminal_master(console));
    if (!master.valid())
        return wait_process(child); // it failed before making one, and said why on stderr
    // Blocked before the relay's threads start, so that they inherit the mask.
    sigset_t window_changes;
    sigemptyset(&window_changes);
    sigaddset(&window_changes, SIGWINCH);
    sigset_t old;
    ::pthread_sigmask(SIG_BLOCK, &window_changes, &old);
    UniqueFd signals(::signalfd(-1, &window_changes, SFD_NONBLOCK | SFD_CLOEXEC));
    UniqueFd exited(static_cast<int>(::syscall(SYS_pidfd_open, child, 0)));
    PtyRelay relay(std::move(master), interactive ? STDIN_FILENO : -1, STDOUT_FILENO);
    while (exited.valid()) {
        pollfd fds[2] = { { exited.get(), POLLIN, 0 }, { signals.get(), POLLIN, 0 } };
        if (::poll(fds, 2, -1) < 0 && errno != EINTR)
            break;
        if (fds[0].revents)
            break;
        signalfd_siginfo info {};
        while (::read(signals.get(), &info, sizeof info) == sizeof info)
            relay.resize(terminal_size(STDIN_FILENO));
    }
    auto status = wait_process(child);
    relay.finish(std::chrono::seconds(5));
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return status;
}

Result<ExecPlan> plan_exec(const ContainerRecord& record, const ExecRequest& request)
{
    ExecPlan plan;
    auto root = TRY(open_file(fmt::format("/proc/{}/root", record.container_pid), O_PATH | O_DIRECTORY));
    auto passwd = TRY(read_file_in_root(root.get(), "/etc/passwd", kMaxEtcFile));
    auto group = TRY(read_file_in_root(root.get(), "/etc/group", kMaxEtcFile));
    plan.user = TRY(resolve_exec_user(request.user.value_or(record.user), passwd, group));
    auto process = TRY(exec_process(record, request, plan.user));
    plan.env = std::move(process.env);
    plan.working_dir = std::move(process.working_dir);
    plan.args = std::move(process.args);
    for (auto& arg : plan.args)
        plan.argv.push_back(arg.data());
    plan.argv.push_back(nullptr);
    for (auto& variable : plan.env)
        plan.envp.push_back(variable.data());
    plan.envp.push_back(nullptr);
    for (const auto& directory : record.cgroups)
        plan.cgroup_procs.push_back(directory + "/cgroup.procs");
    plan.security = TRY(resolve_process_security(record.security));
    plan.interactive = request.interactive;
    plan.terminal = request.terminal;
    return plan;
}

}

Result<int> exec_in_process_container(const ContainerRecord& record, const ExecRequest& request)
{
    if (record.state != ContainerState::Running || record.container_pid <= 0 || !monitor_alive(record))
        return make_error("container {} is not running", record.name);
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, record.container_pid, 0));
    if (pidfd < 0)
        return errno_error(fmt::format("container {} is not running", record.name));
    UniqueFd container(pidfd);
    auto plan = TRY(plan_exec(record, request));
    ConsoleSocket console;
    if (plan.terminal && request.console_socket >= 0) {
        plan.console = request.console_socket;
    } else if (plan.terminal) {
        console = TRY(make_console_socket());
        plan.console = console.child.get();
    }
    pid_t child = ::fork();
    if (child < 0)
        return errno_error("fork");
    if (child == 0)
        enter_container(container.get(), plan);
    if (!console.parent.valid())
        return wait_process(child);
    console.child.reset();
    return relay_terminal_until_exit(child, console.parent.get(), request.interactive);
}

}
