// vmlet-runtime create: the container's record, and its container process, which waits for
// `start` on a fifo as runc's init waits on its exec.fifo (runc libcontainer, "exec.fifo").

#include "containers/oci/bundle_config.h"
#include "containers/oci/cgroups_path.h"
#include "containers/oci/console_socket.h"
#include "containers/oci/runtime_commands.h"
#include "containers/oci/runtime_files.h"
#include "containers/oci/vm_file_binds.h"
#include "containers/runtime/container.h"
#include "containers/runtime/network/links.h"
#include "vmm/base/exit_status.h"
#include "vmm/base/file.h"
#include "vmm/base/text.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>

namespace vmlet::oci {

namespace {

constexpr size_t kMaxConfig = 4 << 20;

Result<void> join_network_namespace(const std::string& path)
{
    auto namespace_fd = TRY(open_file(path, O_RDONLY));
    if (::setns(namespace_fd.get(), CLONE_NEWNET) < 0)
        return errno_error(fmt::format("cannot join the network namespace {}", path));
    return {};
}

// A hard limit above this process's own needs CAP_SYS_RESOURCE, which some hosts withhold even
// from root (this project's do): there the limit is lowered to the one this process has, where
// runc fails. podman asks every host for 1048576 open files.
// The interface podman or a CNI plugin put in the namespace, which the VM's card takes over
// (the VM's tap, made in that namespace by the container process, is joined to it): none when the
// namespace has loopback only.
// A namespace path naming the runtime's own network namespace (the host's) is not the
// container's: its sysctls and its interface are the host's (runc refuses it too).
Result<void> check_not_host_network(const std::string& path)
{
    struct stat given {}, own {};
    if (::stat(path.c_str(), &given) < 0)
        return errno_error(fmt::format("the network namespace {}", path));
    if (::stat("/proc/self/ns/net", &own) == 0 && given.st_dev == own.st_dev && given.st_ino == own.st_ino)
        return make_error("linux.namespaces: the network namespace {} is the host's", path);
    return {};
}

Result<std::optional<NetworkAttachment>> vm_network_of(const std::string& path)
{
    auto namespace_fd = TRY(open_file(path, O_RDONLY | O_CLOEXEC));
    auto socket = TRY(RouteSocket::open_in_namespace_of(namespace_fd.get()));
    return TRY_CONTEXT(socket.namespace_interface(), fmt::format("the network namespace {}", path));
}

Result<void> apply_rlimits(const std::vector<ProcessRlimit>& rlimits)
{
    for (const auto& limit : rlimits) {
        rlimit value { .rlim_cur = limit.soft, .rlim_max = limit.hard };
        rlimit current {};
        if (::setrlimit(limit.resource, &value) == 0)
            continue;
        if (errno != EPERM || ::getrlimit(limit.resource, &current) < 0 || limit.hard <= current.rlim_max)
            return errno_error(fmt::format("setrlimit {}", limit.resource));
        value = { .rlim_cur = std::min<rlim_t>(limit.soft, current.rlim_max), .rlim_max = current.rlim_max };
        if (::setrlimit(limit.resource, &value) < 0)
            return errno_error(fmt::format("setrlimit {}", limit.resource));
    }
    return {};
}

// Where the container process finds its start fifo and records the cgroups it joined.
struct ContainerFiles {
    std::string fifo;
    std::string cgroups;
};

// What the container process's waiter thread does: reads the fifo until `start` sends
// kStartByte, which it passes on through the start gate, or `delete` sends kCancelByte, on which
// it closes the gate unwritten (the sandbox then ends the container unstarted).
void wait_for_start(const std::string& fifo_path, UniqueFd gate)
{
    for (;;) {
        UniqueFd fifo(::open(fifo_path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fifo.valid() && errno == EINTR)
            continue;
        char byte = 0;
        ssize_t count = fifo.valid() ? ::read(fifo.get(), &byte, 1) : -1;
        if (count == 0 || (count < 0 && errno == EINTR))
            continue; // a writer that sent nothing
        if (count == 1 && byte == kStartByte)
            (void)::write(gate.get(), "1", 1);
        break;
    }
    ::unlink(fifo_path.c_str());
}

// The container process: in the bundle's network namespace, under its rlimits, it runs the
// container on the streams `create` was given, gated: the sandbox sets everything up, writes
// `ready`, and waits for the gate, which a thread of this process opens on `start`. It exits
// with the container's status.
[[noreturn]] void run_container_process(Container& container, const BundleConfig& config, const ContainerFiles& files, int ready,
    const CreateRequest& request)
{
    // Told to `create` too, while it waits, which makes it its error.
    auto fail_here = [ready](const Error& error) {
        auto message = error.message();
        fmt::print(stderr, "vmlet-runtime: {}\n", message);
        (void)::write(ready, message.data(), message.size());
        ::_exit(kVmletFailure);
    };
    ::chdir("/");
    UniqueFd console;
    if (!request.console_socket.empty()) {
        auto connected = connect_console_socket(request.console_socket);
        if (!connected.ok())
            fail_here(connected.error());
        console = connected.release_value();
    }
    // A process container's first process inherits them from here; a VM's monitor must not be
    // bound by them (its guest RAM, its descriptors), and the guest agent applies none.
    auto prepared = config.isolation == Isolation::Process ? apply_rlimits(config.rlimits) : Result<void>();
    if (prepared.ok() && !config.network_namespace.empty())
        prepared = join_network_namespace(config.network_namespace);
    if (prepared.ok())
        prepared = join_cgroups_path(config.cgroups_path, request.systemd_cgroup, files.cgroups);
    int gate[2];
    if (prepared.ok() && ::pipe2(gate, O_CLOEXEC) < 0)
        prepared = errno_error("pipe2");
    if (!prepared.ok())
        fail_here(prepared.error());
    UniqueFd gate_read(gate[0]);
    // Started with every signal blocked, which the thread keeps: signals to this process wait
    // for the monitor's signalfd (container_monitor.h), never end it in the waiter.
    sigset_t all, old;
    ::sigfillset(&all);
    ::pthread_sigmask(SIG_BLOCK, &all, &old);
    std::thread(wait_for_start, files.fifo, UniqueFd(gate[1])).detach();
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    StdioFds stdio { .in = STDIN_FILENO, .out = STDOUT_FILENO, .err = STDERR_FILENO, .console_socket = console.get(),
        .start_gate = gate_read.get(), .ready = ready };
    // A VM's terminal is the guest's, relayed: the caller gets a host one, which the relay serves.
    UniqueFd host_terminal;
    if (console.valid() && config.isolation == Isolation::Vm) {
        auto terminal = send_host_terminal(console.get(), config.spec.terminal.value_or(TerminalSize {}));
        if (!terminal.ok())
            fail_here(terminal.error());
        host_terminal = terminal.release_value();
        stdio.in = stdio.out = stdio.err = host_terminal.get();
        stdio.console_socket = -1;
    }
    auto status = container.run_on(stdio);
    if (!status.ok())
        fail_here(status.error());
    ::_exit(status.value());
}

}

Result<int> create_container(const std::string& root, const CreateRequest& request)
{
    auto existing = TRY(ContainerStore::open(root)).find(request.id);
    if (existing.ok() && existing.value().name == request.id)
        return make_error("container with id exists: {}", request.id);
    auto text = TRY_CONTEXT(read_small_file(request.bundle + "/config.json", kMaxConfig), "the bundle's config.json");
    auto config = TRY(parse_bundle_config(text, request.bundle));
    if (config.spec.terminal && request.console_socket.empty())
        return make_error("process.terminal is set: --console-socket is needed");
    // No network entry: the host's network, as runc shares it; with a path: that namespace, which
    // the container process joins and the container keeps (neither makes a namespace of its own).
    config.spec.host_network = !config.new_network_namespace;
    if (!config.network_namespace.empty())
        TRY(check_not_host_network(config.network_namespace));
    if (config.isolation == Isolation::Vm) {
        TRY(adapt_file_binds_for_vm(config.spec));
        if (!config.network_namespace.empty())
            config.spec.network = TRY(vm_network_of(config.network_namespace));
    }
    auto container = TRY(Container::create_from_bundle(root, request.id, config.isolation, request.bundle, config.spec, config.annotations, request.vm_store_root));
    auto store = TRY(ContainerStore::open(root));
    ContainerFiles files { .fifo = start_fifo_path(store, container.record()), .cgroups = cgroups_path_file(store, container.record()) };
    if (::mkfifo(files.fifo.c_str(), 0600) < 0)
        return errno_error("cannot make the start fifo");

    int ready[2];
    if (::pipe2(ready, O_CLOEXEC) < 0)
        return errno_error("pipe2");
    UniqueFd ready_read(ready[0]), ready_write(ready[1]);
    std::fflush(stdout);
    std::fflush(stderr);
    pid_t process = ::fork();
    if (process < 0)
        return errno_error("cannot start the container process");
    if (process == 0) {
        ready_read.reset();
        container.keep();
        run_container_process(container, config, files, ready_write.get(), request);
    }
    ready_write.reset();
    // On any failure from here: the container process ends, and the cgroups it joined go (its
    // directory, with the bundle's root unbound, goes with the reservation).
    auto end_process = [&] {
        // Told to cancel, as `delete` tells a created container, its sandbox takes down what it
        // made (its cgroup, the root's bind); killed only when it does not answer.
        bool told = send_to_start_fifo(files.fifo, kCancelByte);
        int status = 0;
        for (int waited = 0; told && waited < 3000 && ::waitpid(process, &status, WNOHANG) == 0; ++waited)
            ::usleep(10'000);
        if (::waitpid(process, &status, WNOHANG) == 0) {
            ::kill(process, SIGKILL);
            ::waitpid(process, &status, 0);
        }
        remove_cgroups_path(recorded_cgroups_path(files.cgroups), container.record().id);
    };
    // Ready, or the container process's end (its sandbox failed; it said why on its stderr).
    UniqueFd exited(static_cast<int>(::syscall(SYS_pidfd_open, process, 0)));
    pollfd fds[2] = { { ready_read.get(), POLLIN, 0 }, { exited.get(), POLLIN, 0 } };
    while (::poll(fds, exited.valid() ? 2 : 1, -1) < 0 && errno == EINTR) { }
    char said[1024];
    // What it said before it exited, if it did, is in the pipe already: read without waiting.
    ::fcntl(ready_read.get(), F_SETFL, O_NONBLOCK);
    ssize_t count = ::read(ready_read.get(), said, sizeof said);
    if (count != 1 || said[0] != '1') {
        end_process();
        if (count > 0)
            return make_error("{}", std::string_view(said, static_cast<size_t>(count)));
        return make_error("the container could not be created: its process exited");
    }
    auto record = container.record();
    record.monitor_pid = process;
    auto recorded = store.save(record);
    if (recorded.ok() && !request.pid_file.empty())
        recorded = replace_file(request.pid_file, fmt::format("{}", process));
    if (!recorded.ok()) {
        end_process();
        return recorded.release_error();
    }
    // The container process outlives this one: the caller (conmon, containerd's shim) is its
    // subreaper and waits for it.
    container.keep();
    return 0;
}

}
