#include "containers/runtime/vm/vm_sandbox.h"
#include "vmm/base/exit_status.h"

#include "guest/agent/agent_protocol.h"
#include "vmm/base/file.h"
#include "vmm/base/subprocess.h"
#include "containers/runtime/vm/agent_spec.h"
#include "containers/runtime/network/links.h"
#include "containers/runtime/vm/console_log.h"
#include "containers/runtime/vm/container_tap.h"
#include "containers/runtime/vm/layer_disk.h"
#include "containers/runtime/vm/monitor_binary.h"
#include "containers/runtime/vm/monitor_jail.h"
#include "containers/runtime/vm/vm_control.h"
#include "containers/runtime/vm/volume_exports.h"
#include "containers/runtime/start_gate.h"
#include "containers/runtime/vm/vsock_ports.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iterator>

namespace vmlet {

namespace {

constexpr auto kPowerOffTimeout = std::chrono::seconds(30);
// How long the agent has to kill the command and sync the layer's disk on SIGKILL.
constexpr auto kKillGrace = std::chrono::seconds(10);

// Memory of the VM process besides guest RAM: the monitor's own (about 2 MiB, README "Numbers"),
// KVM's page tables and per-vCPU structures charged to its cgroup, with room to spare.
constexpr uint64_t kMonitorOverheadMib = 64;
constexpr uint64_t kMonitorThreads = 8; // main, device and spare; one per vCPU besides

// The exit status of the VM process, if it has ended.
std::optional<int> reap_if_ended(pid_t pid)
{
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) != pid)
        return std::nullopt;
    return exit_status_from_wait_status(status);
}

}

ResourceLimits vm_cgroup_limits(const ResourceLimits& container, const VmSandboxOptions& options)
{
    return { .memory_bytes = (options.memory_mib + kMonitorOverheadMib) << 20, .pids_max = kMonitorThreads + options.cpus, .cpus = container.cpus };
}

Result<std::unique_ptr<VmSandbox>> VmSandbox::start(const std::string& id, const ContainerSpec& spec, const StdioFds& stdio,
    const VmSandboxOptions& options)
{
    std::unique_ptr<VmSandbox> sandbox(new VmSandbox(id));
    auto launched = sandbox->launch(spec, stdio, options);
    if (!launched.ok()) {
        (void)sandbox->destroy();
        return launched.release_error();
    }
    return sandbox;
}

Result<void> VmSandbox::launch(const ContainerSpec& spec, const StdioFds& stdio, const VmSandboxOptions& options)
{
    // The agent refuses larger ones (guest/agent/agent_protocol.h): said here, in a sentence.
    for (const auto* file : { &spec.etc_hosts, &spec.etc_resolv_conf }) {
        if (file->size() > VMLET_AGENT_MAX_ETC_FILE)
            return make_error("the container's {} is {} bytes; a VM container takes at most {}", file == &spec.etc_hosts ? "/etc/hosts" : "/etc/resolv.conf",
                file->size(), VMLET_AGENT_MAX_ETC_FILE);
    }
    // Unix socket paths must fit in 108 bytes, which a store path may not: they go in a private
    // directory under TMPDIR (a tmpfs in the nested-KVM test VM, where the store's 9p cannot hold them).
    std::error_code error;
    m_socket_dir = (std::filesystem::temp_directory_path(error) / ("vmlet-" + m_id.substr(0, 16))).string();
    std::filesystem::create_directory(m_socket_dir, error);
    std::filesystem::permissions(m_socket_dir, std::filesystem::perms::owner_all, error);
    if (error)
        return make_error("cannot create {}: {}", m_socket_dir, error.message());
    // The jailed monitor connects to the listeners here, through its group.
    TRY(open_to_monitor(m_socket_dir, MonitorAccess::Connect));
    m_socket = m_socket_dir + "/v.sock";
    // The monitor's control socket goes beside it, for pause and unpause (container_pause.h); the
    // monitor binds it before it drops into its jail, so it is root's, in root's directory.
    AgentStreamListeners streams;
    streams.out = TRY(listen_for_guest(m_socket, VMLET_AGENT_PORT_STDOUT));
    streams.err = TRY(listen_for_guest(m_socket, VMLET_AGENT_PORT_STDERR));
    bool attach_stdin = stdio.in >= 0;
    if (attach_stdin)
        streams.in = TRY(listen_for_guest(m_socket, VMLET_AGENT_PORT_STDIN));

    // The guest's console (kernel and init messages) is the container's business only when
    // something goes wrong: it goes to a file beside the container's record.
    m_console = TRY(ConsoleLog::open(spec.rootfs.state_dir + "/console.log", spec.log));
    auto vsock = fmt::format("cid={},uds={}", int(VMLET_AGENT_GUEST_CID), m_socket);
    SpawnOptions output { .stdin_fd = -1, .stdout_fd = m_console->monitor_side(), .stderr_fd = m_console->monitor_side(), .own_process_group = true };
    auto layout = TRY(find_cgroup_layout());
    // The monitor opens /dev/kvm and what its devices need; which devices it may open is the
    // jail's business, not the cgroup's.
    m_cgroup.emplace(TRY(Cgroup::create(layout, m_id, vm_cgroup_limits(spec.limits, options), DeviceAccess::All)));
    std::vector<std::string> in_cgroup;
    for (const auto& directory : m_cgroup->directories())
        in_cgroup.insert(in_cgroup.end(), { "--cgroup", directory });
    // The card's tap. A template has a card (vm_template.h), so its restores need a back-end even
    // without a network: a tap on no bridge, whose card the agent then takes away from the guest.
    // A cold boot without a network has no card at all: either way the container sees `lo` only,
    // as under Docker's --network none.
    std::optional<ContainerTap> tap;
    if (spec.network || options.template_dir)
        tap = TRY(ContainerTap::create());
    if (spec.network && !spec.network->redirect_from.empty()) {
        auto routes = TRY(RouteSocket::open());
        m_redirected = spec.network->redirect_from;
        TRY_CONTEXT(routes.redirect_both_ways(tap->name, spec.network->redirect_from, spec.network->mtu), "the network namespace's interface");
    } else if (spec.network) {
        TRY_CONTEXT(join_bridge(tap->name, spec.network->bridge, spec.network->mtu), fmt::format("network {}", spec.network->network));
    }
    if (tap)
        output.inherited_fds.push_back(tap->fd.get());
    // The second disk, the container's writable layer: its own when its files outlive this run,
    // a blank one (never mounted) under --rm, whose layer stays in the VM's RAM.
    std::string layer = spec.rootfs.state_dir + "/layer.ext4";
    if (spec.rootfs.ephemeral)
        TRY(blank_layer_disk(layer));
    else
        layer = TRY(container_layer_disk(spec.rootfs.state_dir));
    m_layer_on_disk = !spec.rootfs.ephemeral;
    UniqueFd agent;
    if (options.template_dir) {
        // A restore of the image's template: its agent waits on WAKE with the root mounted
        // (guest/agent/agent_protocol.h, "Templates"), and this connection is the control one.
        // The template's card keeps its MAC (the guest's driver knows it); 'N' gives eth0 the container's.
        std::vector<std::string> argv { monitor_binary(), "restore", *options.template_dir, "--disk", options.disk + ",ro", "--disk", layer, "--vsock", vsock, "--net",
            fmt::format("fd={}", tap->fd.get()), "--api-socket", vm_api_socket_beside(m_socket), "--exit-with-parent" };
        std::ranges::copy(volume_share_flags(spec), std::back_inserter(argv));
        std::ranges::copy(monitor_jail_flags(), std::back_inserter(argv));
        std::ranges::copy(in_cgroup, std::back_inserter(argv));
        m_vm_pid = TRY(spawn_process(argv, output));
        m_console->release_monitor_side();
        tap.reset(); // the monitor's alone: the tap goes with the VM
        agent = TRY(wake_agent(options));
    } else {
        auto control = TRY(listen_for_guest(m_socket, VMLET_AGENT_PORT_CONTROL));
        std::vector<std::string> argv { monitor_binary(), "boot", "--disk", options.disk + ",ro", "--disk", layer, "--vsock", vsock, "--memory", std::to_string(options.memory_mib),
            "--cpus", std::to_string(options.cpus), "--api-socket", vm_api_socket_beside(m_socket), "--exit-with-parent" };
        if (spec.network)
            argv.insert(argv.end(), { "--net", fmt::format("fd={},mac={}", tap->fd.get(), format_mac(spec.network->mac)) });
        if (!volume_exports(spec).empty())
            std::ranges::copy(volume_share_flags(spec), std::back_inserter(argv));
        std::ranges::copy(monitor_jail_flags(), std::back_inserter(argv));
        std::ranges::copy(in_cgroup, std::back_inserter(argv));
        argv.insert(argv.end(), { "--", VMLET_AGENT_PATH });
        m_vm_pid = TRY(spawn_process(argv, output));
        m_console->release_monitor_side();
        tap.reset(); // the monitor's alone: the tap goes with the VM
        agent = TRY(accept_agent(control.get(), options));
    }
    // An OCI runtime's create ends here, with the VM up and its agent waiting: its start sends the spec.
    if (stdio.start_gate >= 0)
        TRY(wait_at_start_gate(stdio));
    auto message = encode_agent_spec(spec, options.user,
        { .stdin_attached = attach_stdin, .loopback = options.publish_ports, .stream_port = {}, .terminal = spec.terminal, .host_state = current_host_state() });
    m_session = TRY(AgentSession::start(std::move(agent), message, std::move(streams), stdio));
    m_start_failure = m_session->start_failure();
    if (m_start_failure) {
        stop_vm();
        m_exit_status = m_start_failure;
    }
    return {};
}

Result<UniqueFd> VmSandbox::accept_agent(int listener, const VmSandboxOptions& options)
{
    auto deadline = std::chrono::steady_clock::now() + options.boot_timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd ready { listener, POLLIN, 0 };
        if (::poll(&ready, 1, 250) > 0) {
            UniqueFd fd(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
            if (fd.valid())
                return fd;
        }
        if (auto status = reap_if_ended(m_vm_pid)) {
            m_vm_pid = 0;
            return make_error("the container's VM stopped (status {}) before its agent started; its console is in console.log", *status);
        }
    }
    return make_error("the container's VM did not start its agent within {} s", options.boot_timeout.count());
}

// A restored VM's vsock device makes its socket as the monitor starts, and the agent's WAKE listener
// answers once the guest runs again: tries until it does, or the VM stops.
Result<UniqueFd> VmSandbox::wake_agent(const VmSandboxOptions& options)
{
    auto deadline = std::chrono::steady_clock::now() + options.boot_timeout;
    Result<UniqueFd> woken = make_error("the container's VM did not wake its agent within {} s", options.boot_timeout.count());
    while (std::chrono::steady_clock::now() < deadline) {
        if (auto status = reap_if_ended(m_vm_pid)) {
            m_vm_pid = 0;
            return make_error("the container's VM stopped (status {}) before its agent woke; its console is in console.log", *status);
        }
        woken = connect_to_guest(m_socket, VMLET_AGENT_PORT_WAKE);
        if (woken.ok())
            return woken;
        ::usleep(2000);
    }
    return woken;
}

// The container's exit status is known and its output drained: nothing in the VM matters any more
// (its image is read-only, and the agent synced its writable layer's disk before it reported the
// exit), so it goes at once rather than after the guest has torn its processes down, which is
// interpreted kernel work on PVM hosts.
void VmSandbox::stop_vm()
{
    if (!m_vm_pid)
        return;
    ::kill(m_vm_pid, SIGKILL);
    auto status = wait_process(m_vm_pid);
    m_vm_status = status.ok() ? status.value() : 128 + SIGKILL;
    m_vm_pid = 0;
}

// The agent is gone without a word: waits for the VM to power off, and kills it when it does
// not. The VM's exit status, when it powered off by itself.
std::optional<int> VmSandbox::power_off()
{
    if (!m_vm_pid)
        return m_vm_status; // stopped here already: killed, 137
    auto deadline = std::chrono::steady_clock::now() + kPowerOffTimeout;
    std::optional<int> status;
    while (m_vm_pid && !(status = reap_if_ended(m_vm_pid))) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(m_vm_pid, SIGKILL);
            (void)wait_process(m_vm_pid);
            break;
        }
        ::usleep(10000);
    }
    m_vm_pid = 0;
    return status;
}

VmSandbox::~VmSandbox()
{
    (void)destroy();
}

Result<void> VmSandbox::kill(int signal)
{
    if (m_exit_status || !m_session)
        return {};
    // SIGKILL cannot wait long for a guest that may not listen (a hostile one, or a stuck one): the
    // VM itself goes, and the container with it (137, as a killed process; wait_for() sees its end).
    // A writable layer on disk may hold writes the guest has not flushed: the agent kills the
    // command and syncs first, and the VM goes when it has not reported within kKillGrace.
    if (signal == SIGKILL && (!m_layer_on_disk || !m_session->kill(signal).ok())) {
        stop_vm();
        return {};
    }
    if (signal == SIGKILL) {
        if (!m_kill_deadline) // a second SIGKILL does not put the first one's deadline off
            m_kill_deadline = std::chrono::steady_clock::now() + kKillGrace;
        return {};
    }
    // An agent that takes no more from vmlet (a hostile or wedged guest) cannot be asked: its VM goes.
    if (!m_session->kill(signal).ok())
        stop_vm();
    return {};
}

Result<void> VmSandbox::resize_terminal(TerminalSize size)
{
    if (m_exit_status || !m_session)
        return {};
    return m_session->resize_terminal(size);
}

Result<int> VmSandbox::wait()
{
    for (;;) {
        if (auto status = TRY(wait_for(std::chrono::hours(1))))
            return *status;
    }
}

Result<std::optional<int>> VmSandbox::wait_for(std::chrono::milliseconds timeout)
{
    if (m_exit_status)
        return m_exit_status;
    if (m_kill_deadline && std::chrono::steady_clock::now() > *m_kill_deadline)
        stop_vm(); // the agent did not end the command on SIGKILL: its session now ends without a word
    auto waited = m_session->wait_for(timeout);
    if (!waited.ok()) {
        // The agent began a message and never finished it: it reports nothing more, and its VM
        // goes rather than keep the container "running" (137, as killed).
        stop_vm();
        m_exit_status = m_vm_status;
        return m_exit_status;
    }
    auto exit = waited.release_value();
    if (!exit)
        return std::optional<int>();
    if (exit->status) {
        stop_vm();
        m_exit_status = *exit->status;
    } else {
        // The agent is gone without a word: the VM's own exit status (guest init reports the
        // agent's) says what happened, if it powers off by itself.
        m_exit_status = power_off().value_or(125);
    }
    return m_exit_status;
}

Result<UniqueFd> VmSandbox::connect_port(uint16_t port)
{
    if (m_exit_status)
        return make_error("container {} is not running", m_id);
    auto fd = TRY(connect_to_guest(m_socket, VMLET_AGENT_PORT_FORWARD));
    char target[2] = { static_cast<char>(port >> 8), static_cast<char>(port & 0xff) };
    TRY(send_bytes(fd.get(), std::string_view(target, 2)));
    return fd;
}

Result<void> VmSandbox::destroy()
{
    stop_vm();
    m_session.reset();
    m_console.reset(); // the VM is gone: its end of the console's pipe with it
    if (m_cgroup)
        (void)m_cgroup->remove();
    if (!m_redirected.empty()) {
        auto routes = RouteSocket::open();
        if (routes.ok())
            (void)routes.value().remove_ingress(m_redirected);
        m_redirected.clear();
    }
    if (!m_socket_dir.empty()) {
        std::error_code error;
        std::filesystem::remove_all(m_socket_dir, error);
        m_socket_dir.clear();
    }
    return {};
}

}
