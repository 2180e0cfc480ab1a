#include "containers/runtime/process/process_sandbox.h"
#include "vmm/base/exit_status.h"

#include "vmm/base/file.h"
#include "containers/runtime/process/container_init.h"
#include "containers/runtime/process/container_terminal.h"
#include "containers/runtime/process/namespace_connect.h"
#include "containers/runtime/process/rootfs_setup.h"
#include "containers/runtime/network/links.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace vmlet {

namespace {

constexpr auto kTerminalDrainTimeout = std::chrono::seconds(5);
constexpr uint64_t namespace_flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;

// The host's end of a container's veth pair: unique while the container runs, and within IFNAMSIZ.
std::string veth_name(const std::string& id)
{
    return "vmv" + id.substr(0, 12);
}

Result<void> check_id(const std::string& id)
{
    auto allowed = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-'; };
    if (id.empty() || id.size() > 128 || !std::isalnum(static_cast<unsigned char>(id.front()))
        || !std::all_of(id.begin(), id.end(), allowed))
        return make_error("invalid container id \"{}\": use letters, digits, '_', '.', '-'", id);
    return {};
}

// A close-on-exec copy numbered 3 or above, so the child's dup2 onto 0, 1, 2 clobbers none of its fds.
Result<UniqueFd> duplicate_above_stdio(int fd)
{
    int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0)
        return errno_error(fmt::format("cannot duplicate descriptor {}", fd));
    return UniqueFd(copy);
}

struct Pipe {
    UniqueFd read;
    UniqueFd write;
};

Result<Pipe> make_pipe()
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0)
        return errno_error("pipe2");
    UniqueFd read_end(fds[0]);
    UniqueFd write_end(fds[1]);
    auto read_copy = TRY(duplicate_above_stdio(read_end.get()));
    auto write_copy = TRY(duplicate_above_stdio(write_end.get()));
    return Pipe { .read = std::move(read_copy), .write = std::move(write_copy) };
}

// Reads the child's report: nothing (EOF once exec closed the pipe) or one InitFailure.
Result<std::optional<InitFailure>> read_failure(int fd)
{
    InitFailure failure;
    size_t got = 0;
    while (got < sizeof failure) {
        ssize_t count = ::read(fd, reinterpret_cast<char*>(&failure) + got, sizeof failure - got);
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0)
            return errno_error("reading the container's start report");
        if (count == 0)
            break;
        got += static_cast<size_t>(count);
    }
    if (got == 0)
        return std::optional<InitFailure>();
    if (got != sizeof failure)
        return make_error("the container's process died while reporting a failure");
    failure.what[sizeof failure.what - 1] = '\0';
    return std::optional<InitFailure>(failure);
}

Result<int> reap(pid_t pid)
{
    int status = 0;
    while (::waitpid(pid, &status, __WALL) < 0) {
        if (errno != EINTR)
            return errno_error(fmt::format("waitpid {}", pid));
    }
    return exit_status_from_wait_status(status);
}

}

Result<std::unique_ptr<ProcessSandbox>> ProcessSandbox::start(const std::string& id, const ContainerSpec& spec,
    const StdioFds& stdio)
{
    TRY(check_id(id));
    if (spec.args.empty())
        return make_error("no command to run");
    auto layout = TRY(find_cgroup_layout());
    auto cgroup = TRY(Cgroup::create(layout, id, spec.limits, DeviceAccess::Allowlist));
    auto rootfs = TRY(OverlayRootfs::mount(spec.rootfs));
    std::unique_ptr<ProcessSandbox> sandbox(new ProcessSandbox(id, std::move(cgroup), std::move(rootfs)));
    TRY(sandbox->launch(spec, stdio));
    return sandbox;
}

Result<void> ProcessSandbox::launch(const ContainerSpec& spec, const StdioFds& stdio)
{
    auto plan = TRY(prepare_container(spec, m_id, m_rootfs.path()));

    auto null = TRY(open_file("/dev/null", O_RDWR));
    UniqueFd streams[3];
    int given[3] = { stdio.in, stdio.out, stdio.err };
    for (int i = 0; i < 3; ++i) {
        streams[i] = TRY(duplicate_above_stdio(given[i] >= 0 ? given[i] : null.get()));
        plan.stdio[i] = streams[i].get();
    }
    // With a terminal, the container makes it in its own devpts and sends vmlet the master side.
    ConsoleSocket console;
    UniqueFd given_console;
    if (spec.terminal && stdio.console_socket >= 0) {
        given_console = TRY(duplicate_above_stdio(stdio.console_socket));
        plan.console_fd = given_console.get();
    } else if (spec.terminal) {
        console = TRY(make_console_socket());
        plan.console_fd = console.child.get();
    }
    UniqueFd start_gate, ready;
    if (stdio.start_gate >= 0) {
        start_gate = TRY(duplicate_above_stdio(stdio.start_gate));
        ready = TRY(duplicate_above_stdio(stdio.ready));
        plan.start_gate_fd = start_gate.get();
        plan.ready_fd = ready.get();
    }
    auto sync = TRY(make_pipe());
    auto report = TRY(make_pipe());
    plan.sync_fd = sync.read.get();
    plan.error_fd = report.write.get();
    plan.parent_fds[0] = sync.write.get();
    plan.parent_fds[1] = report.read.get();

    // clone3 rather than fork: the namespaces come with the process, and so does a pidfd, which names it
    // without the pid-reuse race (clone(2), CLONE_PIDFD).
    int pidfd = -1;
    struct clone_args args {};
    args.flags = namespace_flags | (spec.host_network ? 0 : CLONE_NEWNET) | CLONE_PIDFD;
    args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
    args.exit_signal = SIGCHLD;
    long pid = ::syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0)
        return errno_error("clone3 with new mount, pid, UTS, IPC and network namespaces");
    if (pid == 0)
        run_container_init(plan);

    m_pid = static_cast<pid_t>(pid);
    m_pidfd = UniqueFd(pidfd);
    sync.read.reset();
    report.write.reset();
    for (auto& stream : streams)
        stream.reset();
    console.child.reset();
    given_console.reset();
    start_gate.reset();
    ready.reset();

    // The child waits for this byte, so that everything it does, setup included, is limited and counted.
    auto added = m_cgroup.add_process(m_pid);
    if (added.ok() && spec.network)
        added = connect_network(*spec.network);
    if (!added.ok()) {
        (void)kill(SIGKILL);
        (void)wait();
        return added.release_error();
    }
    if (::write(sync.write.get(), "1", 1) != 1) {
        auto error = errno_error("starting the container's process");
        (void)kill(SIGKILL);
        (void)wait();
        return error;
    }
    sync.write.reset();

    auto failure = TRY(read_failure(report.read.get()));
    if (!failure) {
        // The command runs: the master side was sent before the exec.
        if (console.parent.valid()) {
            UniqueFd master(receive_terminal_master(console.parent.get()));
            if (!master.valid())
                return make_error("the container did not send its terminal");
            m_terminal = std::make_unique<PtyRelay>(std::move(master), stdio.in, stdio.out >= 0 ? stdio.out : null.get());
        }
        return {};
    }
    (void)TRY(reap(m_pid));
    m_pid = 0;
    m_exit_status = failure->exit_status;
    m_start_failure = failure->exit_status;
    auto message = failure->error
        ? fmt::format("vmlet: {}: {}\n", failure->what, std::strerror(failure->error))
        : fmt::format("vmlet: {}\n", failure->what);
    if (stdio.err >= 0)
        (void)write_all(stdio.err, std::span(reinterpret_cast<const uint8_t*>(message.data()), message.size()));
    return {};
}

// A veth pair: "eth0" in the container's network namespace, configured from there, and the host's
// end on the network's bridge. The pair goes with the namespace, when the container's last
// process does, SIGKILL of vmlet included.
Result<void> ProcessSandbox::connect_network(const NetworkAttachment& network)
{
    auto host = TRY(RouteSocket::open());
    auto name = veth_name(m_id);
    TRY(host.add_veth(name, "eth0", m_pid));
    TRY(host.join_bridge(name, network.bridge, network.mtu));
    auto inside = TRY(RouteSocket::open_in_namespace_of(m_pidfd.get()));
    TRY_CONTEXT(inside.configure("eth0", network), fmt::format("the container's link to network {}", network.network));
    return {};
}

ProcessSandbox::~ProcessSandbox()
{
    (void)destroy();
}

Result<void> ProcessSandbox::kill(int signal)
{
    if (m_exit_status || !m_pidfd.valid())
        return {};
    if (::syscall(SYS_pidfd_send_signal, m_pidfd.get(), signal, nullptr, 0) < 0 && errno != ESRCH)
        return errno_error(fmt::format("cannot signal container {}", m_id));
    return {};
}

Result<int> ProcessSandbox::wait()
{
    if (m_exit_status)
        return *m_exit_status;
    if (m_pid == 0)
        return make_error("container {} never started", m_id);
    // The pid-namespace init is reaped only after the kernel has killed and reaped everything else in its
    // namespace (zap_pid_ns_processes), so no process of the container outlives this.
    m_exit_status = TRY(reap(m_pid));
    m_pid = 0;
    // Everything in the container has gone with its init, so the terminal's output ends soon.
    if (m_terminal)
        m_terminal->finish(kTerminalDrainTimeout);
    return *m_exit_status;
}

Result<std::optional<int>> ProcessSandbox::wait_for(std::chrono::milliseconds timeout)
{
    if (!m_exit_status && m_pidfd.valid()) {
        struct pollfd poll_fd { .fd = m_pidfd.get(), .events = POLLIN, .revents = 0 };
        int ready;
        do
            ready = ::poll(&poll_fd, 1, static_cast<int>(std::clamp<int64_t>(timeout.count(), 0, INT32_MAX)));
        while (ready < 0 && errno == EINTR);
        if (ready < 0)
            return errno_error("poll on the container's pidfd");
        if (ready == 0)
            return std::optional<int>();
    }
    return std::optional<int>(TRY(wait()));
}

Result<void> ProcessSandbox::destroy()
{
    std::optional<Error> first_error;
    auto keep = [&](Result<void> result) {
        if (!result.ok() && !first_error)
            first_error = result.release_error();
    };
    if (!m_exit_status && m_pid != 0) {
        keep(kill(SIGKILL));
        auto waited = wait();
        if (!waited.ok())
            keep(waited.release_error());
    }
    m_pidfd.reset();
    m_terminal.reset();
    keep(m_cgroup.remove());
    keep(m_rootfs.unmount());
    if (first_error)
        return *first_error;
    return {};
}

Result<void> ProcessSandbox::resize_terminal(TerminalSize size)
{
    if (m_terminal && !m_exit_status)
        m_terminal->resize(size);
    return {};
}

Result<UniqueFd> ProcessSandbox::connect_port(uint16_t port)
{
    if (m_exit_status || !m_pidfd.valid())
        return make_error("container {} is not running", m_id);
    return connect_in_network_namespace(m_pidfd.get(), port);
}

}
