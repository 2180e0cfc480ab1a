#include "containers/runtime/process/container_init.h"

#include "containers/runtime/process/container_terminal.h"
#include "containers/runtime/process/descriptors.h"
#include "containers/runtime/process/process_security.h"

#include <fcntl.h>
#include <sched.h>
#include <net/if.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vmlet {

namespace {

[[noreturn]] void fail(const InitPlan& plan, int status, int error, const char* what)
{
    InitFailure failure;
    failure.exit_status = status;
    failure.error = error;
    ::strncpy(failure.what, what, sizeof failure.what - 1);
    [[maybe_unused]] auto written = ::write(plan.error_fd, &failure, sizeof failure);
    ::_exit(status);
}

void check(const InitPlan& plan, bool ok, const char* what)
{
    if (!ok)
        fail(plan, 125, errno, what);
}

bool run_step(const InitStep& step)
{
    switch (step.kind) {
    case InitStep::Kind::Mount:
        if (::mount(step.source.c_str(), step.target.c_str(), step.fstype.c_str(), step.flags, step.data.c_str()) == 0)
            return true;
        if (step.fallback_source.empty())
            return false;
        [[fallthrough]];
    case InitStep::Kind::BindReadOnly: {
        const auto& source = step.kind == InitStep::Kind::Mount ? step.fallback_source : step.source;
        // A bind is made writable whatever the flags say; read-only takes a remount (mount(2), MS_REMOUNT).
        return ::mount(source.c_str(), step.target.c_str(), nullptr, MS_BIND, nullptr) == 0
            && ::mount(nullptr, step.target.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | step.flags, nullptr) == 0;
    }
    case InitStep::Kind::Bind:
        return ::mount(step.source.c_str(), step.target.c_str(), nullptr, MS_BIND, nullptr) == 0
            && ::mount(nullptr, step.target.c_str(), nullptr, MS_BIND | MS_REMOUNT | step.flags, nullptr) == 0;
    case InitStep::Kind::MakeFile: {
        int fd = ::open(step.target.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        return fd >= 0 && ::close(fd) == 0;
    }
    case InitStep::Kind::MakeDirectory:
        return ::mkdir(step.target.c_str(), 0755) == 0 || errno == EEXIST;
    case InitStep::Kind::Symlink:
        return ::symlink(step.source.c_str(), step.target.c_str()) == 0;
    case InitStep::Kind::WriteFile: {
        int fd = ::open(step.target.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        bool written = fd >= 0 && ::write(fd, step.data.data(), step.data.size()) == static_cast<ssize_t>(step.data.size());
        return fd >= 0 && ::close(fd) == 0 && written;
    }
    }
    return false;
}

// A bind remount sets the mount's flags to those given (mount(2), MS_REMOUNT | MS_BIND): the ones it
// has (nodev, nosuid...; statfs(2)'s ST_* are MS_*'s values) are given again, with MS_RDONLY.
bool remount_read_only(const char* path)
{
    struct statfs current {};
    if (::statfs(path, &current) < 0)
        return false;
    constexpr unsigned long kept = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME;
    return ::mount(nullptr, path, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | (current.f_flags & kept), nullptr) == 0;
}

// The network namespace starts with only "lo", and down (network_namespaces(7)).
bool bring_up_loopback()
{
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    struct ifreq request {};
    ::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
    bool ok = ::ioctl(fd, SIOCGIFFLAGS, &request) == 0;
    request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP | IFF_RUNNING);
    ok = ok && ::ioctl(fd, SIOCSIFFLAGS, &request) == 0;
    ::close(fd);
    return ok;
}

bool reset_signals()
{
    sigset_t none;
    ::sigemptyset(&none);
    struct sigaction action {};
    action.sa_handler = SIG_DFL;
    // Ignored signals stay ignored across execve(2); the container should start from the defaults.
    for (int signal = 1; signal < NSIG; ++signal)
        ::sigaction(signal, &action, nullptr);
    return ::sigprocmask(SIG_SETMASK, &none, nullptr) == 0;
}

// Created, not started (an OCI runtime's create): says so, and waits for the start.
void wait_at_start_gate(const InitPlan& plan)
{
    check(plan, ::write(plan.ready_fd, "1", 1) == 1, "report the container created");
    ::close(plan.ready_fd);
    char go = 0;
    ssize_t count;
    do
        count = ::read(plan.start_gate_fd, &go, 1);
    while (count < 0 && errno == EINTR);
    if (count != 1)
        fail(plan, 125, 0, "the container was deleted before it started");
    ::close(plan.start_gate_fd);
}

[[noreturn]] void exec_command(const InitPlan& plan)
{
    bool denied = false;
    for (const auto& candidate : plan.exec_candidates) {
        ::execve(candidate.c_str(), plan.argv.data(), plan.envp.data());
        if (errno == EACCES) {
            denied = true;
        } else if (errno != ENOENT && errno != ENOTDIR) {
            fail(plan, 126, errno, plan.command.c_str());
        }
    }
    if (denied)
        fail(plan, 126, EACCES, plan.command.c_str());
    if (plan.path_search)
        fail(plan, 127, 0, plan.not_found.c_str());
    fail(plan, 127, ENOENT, plan.command.c_str());
}

}

InitStep mount_step(std::string source, std::string target, std::string fstype, unsigned long flags, std::string data,
    std::string what)
{
    return { .kind = InitStep::Kind::Mount, .source = std::move(source), .target = std::move(target),
        .fstype = std::move(fstype), .flags = flags, .data = std::move(data), .fallback_source = {}, .what = std::move(what), .optional = false };
}

InitStep simple_step(InitStep::Kind kind, std::string source, std::string target, std::string what)
{
    return { .kind = kind, .source = std::move(source), .target = std::move(target), .fstype = {}, .flags = 0,
        .data = {}, .fallback_source = {}, .what = std::move(what), .optional = false };
}

void finish_init_plan(InitPlan& plan)
{
    plan.argv.clear();
    for (auto& arg : plan.args)
        plan.argv.push_back(arg.data());
    plan.argv.push_back(nullptr);
    plan.envp.clear();
    for (auto& variable : plan.env)
        plan.envp.push_back(variable.data());
    plan.envp.push_back(nullptr);
}

void run_container_init(const InitPlan& plan)
{
    // The container lives no longer than its monitor, which alone records its exit and releases
    // what it holds (PR_SET_PDEATHSIG; a monitor that died before this is the sync pipe's EOF).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    // Holding the sync pipe's write end would hide the parent's death (no EOF).
    for (int fd : plan.parent_fds)
        ::close(fd);
    char byte = 0;
    ssize_t count;
    do
        count = ::read(plan.sync_fd, &byte, 1);
    while (count < 0 && errno == EINTR);
    if (count != 1)
        ::_exit(125); // the parent is gone, or gave up on us
    ::close(plan.sync_fd);
    // Now in its cgroups: a cgroup namespace of its own shows them as its root (cgroup_namespaces(7)),
    // and hides where they sit in the host's hierarchy.
    check(plan, ::unshare(CLONE_NEWCGROUP) == 0, "make a cgroup namespace");

    check(plan, reset_signals(), "reset the signal dispositions");
    // Nothing mounted from here on may propagate back to the host (sharedsubtree.rst).
    check(plan, ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0, "make the mounts private");
    for (const auto& step : plan.steps)
        check(plan, run_step(step) || (step.optional && errno == ENOENT), step.what.c_str());

    // pivot_root(".", ".") stacks the old root on the new one, and the detach removes it: no directory
    // for the old root is needed inside the image (pivot_root(2), NOTES; runc does the same).
    check(plan, ::chdir(plan.rootfs.c_str()) == 0, "enter the container's root");
    check(plan, ::syscall(SYS_pivot_root, ".", ".") == 0, "pivot_root into the container's root");
    check(plan, ::umount2(".", MNT_DETACH) == 0, "detach the host's root");
    check(plan, ::chdir("/") == 0, "chdir /");
    if (plan.read_only_root)
        check(plan, remount_read_only("/"), "make the root read-only");

    check(plan, ::sethostname(plan.hostname.data(), plan.hostname.size()) == 0, "set the hostname");
    check(plan, bring_up_loopback(), "bring up the loopback interface");

    if (plan.tty) {
        int terminal = open_container_terminal(plan.console_fd, plan.terminal_size, plan.uid);
        check(plan, terminal >= 0, "open a terminal in the container's /dev/pts");
        for (int fd = 0; fd < 3; ++fd)
            check(plan, ::dup2(terminal, fd) == fd, "set up the standard streams");
    } else {
        for (int fd = 0; fd < 3; ++fd)
            check(plan, ::dup2(plan.stdio[fd], fd) == fd, "set up the standard streams");
    }
    check(plan, ::setsid() >= 0, "start a session");
    if (plan.tty)
        check(plan, ::ioctl(0, TIOCSCTTY, 0) == 0, "make the terminal the controlling terminal");

    if (const char* failed = take_container_identity(plan.security, plan.uid, plan.gid, plan.supplementary_gids))
        fail(plan, 125, errno, failed);

    check(plan, ::chdir(plan.working_dir.c_str()) == 0, "chdir to the working directory");
    // The parent's descriptors stay out of the container (error_fd, close-on-exec, lives until the
    // exec). The start gate's are kept for the wait; any other copy of the gate's write end, which
    // the clone inherited, must go first, or the gate would never see its end.
    check(plan, close_other_descriptors({ plan.error_fd, plan.ready_fd, plan.start_gate_fd }), "close vmlet's descriptors");
    if (plan.start_gate_fd >= 0)
        wait_at_start_gate(plan);
    if (const char* failed = restrict_system_calls(plan.security))
        fail(plan, 125, errno, failed);
    exec_command(plan);
}

}
