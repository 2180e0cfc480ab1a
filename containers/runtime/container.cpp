#include "containers/runtime/container.h"

#include "containers/image/image_config.h"
#include "containers/image/image_index.h"
#include "containers/image/store.h"
#include "containers/runtime/container_reclaim.h"
#include "containers/runtime/layer_files.h"
#include "containers/runtime/peer_hosts.h"
#include "containers/runtime/network/name_files.h"
#include "containers/runtime/network/network_setup.h"
#include "containers/runtime/process/process_exec.h"
#include "containers/runtime/sandbox_factory.h"
#include "containers/runtime/user_lookup.h"
#include "containers/runtime/volume/volume_store.h"
#include "containers/runtime/vm/vm_exec.h"
#include "vmm/base/exit_status.h"
#include "vmm/base/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <thread>

namespace vmlet {

namespace {

std::optional<std::string> host_environment(const std::string& name)
{
    const char* value = std::getenv(name.c_str());
    return value ? std::optional<std::string>(value) : std::nullopt;
}

// How long `rm -f` and `stop` wait for the monitor to record the exit after SIGKILL.
constexpr auto kKillTimeout = std::chrono::seconds(30);

// The host's /etc/resolv.conf is read up to this much (glibc reads a few KiB of it).
constexpr size_t kMaxResolvConf = 64 * 1024;

// What a detached container's monitor tells the vmlet that started it, one line on a pipe.
// A restarted container waits this long before its first restart, twice as long before each next
// one, up to the last (Docker: 100 ms doubling; its one-minute cap is shorter here, as nothing
// resets the delay after a long run).
constexpr auto kFirstRestartDelay = std::chrono::milliseconds(100);
constexpr auto kLastRestartDelay = std::chrono::milliseconds(10'000);

// Made by stop and kill in the container's directory, removed by start: its restart policy then
// leaves it stopped.
constexpr const char* kStoppedByUserFile = "stopped-by-user";

constexpr std::string_view kReportRunning = "running", kReportFailed = "failed ", kReportError = "error ";

}

Result<Container> Container::create(const std::string& root, const ContainerConfig& config)
{
    auto store = TRY(image::Store::open(root));
    auto lock = TRY(store.lock_shared());
    auto image = TRY(image::ImageIndex(store).find(config.image));
    auto config_bytes = TRY(store.read_blob(image.id));
    auto image_config = TRY(image::ImageConfig::parse(config_bytes));

    auto containers = TRY(ContainerStore::open(root));
    ContainerRecord record;
    record.name = config.name;
    record.image_id = image.id.string();
    record.image_name = config.image;
    record.isolation = config.isolation;
    record.created = now_rfc3339();
    record.auto_remove = config.auto_remove;
    record.security = config.security;
    record.config = config;
    record = TRY(containers.create(record));
    Container container(std::move(containers), std::move(record));
    container.m_reserved = true;
    container.m_root = root;

    // The process as Docker resolves it once, at creation: `start` runs the same one again.
    auto spec = TRY(resolve_run_spec(image_config, config.process, container.m_record.id, host_environment));
    container.m_record.command = spec.args;
    container.m_record.env = spec.env;
    container.m_record.working_dir = spec.working_dir;
    container.m_record.user = spec.user;
    TRY(container.m_store.save(container.m_record));
    TRY(container.attach_mounts(config.mounts));
    TRY(container.prepare(store, image));
    return container;
}

Result<Container> Container::create_from_bundle(const std::string& root, const std::string& name, Isolation isolation,
    const std::string& bundle, ContainerSpec spec, std::map<std::string, std::string> annotations, const std::string& vm_store_root)
{
    auto containers = TRY(ContainerStore::open(root));
    ContainerRecord record;
    record.name = name;
    record.isolation = isolation;
    record.created = now_rfc3339();
    record.security = spec.security;
    record.bundle = bundle;
    record.bundle_root = spec.rootfs.bundle_root;
    record.annotations = std::move(annotations);
    record.command = spec.args;
    record.env = spec.env;
    record.working_dir = spec.working_dir;
    record.user = spec.user;
    record.mounts = spec.mounts;
    record = TRY(containers.create(record));
    Container container(std::move(containers), std::move(record));
    container.m_reserved = true;
    container.m_root = root;
    container.m_start_lock = TRY(lock_file(container.directory() + "/" + kStartLockFile));
    spec.rootfs.state_dir = container.directory();
    // The bundle's root is the container's only layer: a VM's second disk stays blank and unused.
    spec.rootfs.ephemeral = true;
    auto sandbox = TRY(prepare_bundle_sandbox(isolation, spec, vm_store_root));
    container.m_start = std::move(sandbox.start);
    container.m_notices = std::move(sandbox.notices);
    container.m_spec = std::move(spec);
    return container;
}

Result<Container> Container::open_to_start(const std::string& root, std::string_view name_or_id)
{
    auto container = TRY(open(root, name_or_id));
    if (container.m_record.state == ContainerState::Running)
        return make_error("container {} is already running", container.m_record.name);
    if (monitor_alive(container.m_record))
        return make_error("container {} is restarting (its --restart policy): stop it first", container.m_record.name);
    if (::unlink((container.directory() + "/" + kStoppedByUserFile).c_str()) < 0 && errno != ENOENT)
        return errno_error(fmt::format("cannot start container {}", container.m_record.name));
    if (!container.m_record.config)
        return make_error("container {} was made by a vmlet before `start` existed: run it anew", container.m_record.name);
    auto store = TRY(image::Store::open(root));
    auto lock = TRY(store.lock_shared());
    auto image = TRY(image::ImageIndex(store).find(container.m_record.image_id));
    TRY(container.prepare(store, image));
    return container;
}

// What runs the container, from its record (process, mounts) and the options it was created
// with: its spec, network and sandbox, anew for every start. The image store's lock is held.
Result<void> Container::prepare(const image::Store& store, const image::ImageRecord& image)
{
    if (!m_start_lock) // a restart by the monitor holds it already (a second flock would wait on the first)
        m_start_lock = TRY(lock_file(directory() + "/" + kStartLockFile));
    const auto& config = *m_record.config;
    ContainerSpec spec;
    spec.args = m_record.command;
    spec.env = m_record.env;
    spec.working_dir = m_record.working_dir;
    spec.user = m_record.user;
    spec.hostname = config.process.hostname.empty() ? m_record.id.substr(0, 12) : config.process.hostname;
    if (config.process.tty)
        spec.terminal = TerminalSize {}; // the caller knows its terminal's size
    spec.limits = config.limits;
    spec.security = config.security;
    spec.log = config.log;
    spec.rootfs.lower_dirs = image::overlay_lower_dirs(store, image);
    spec.rootfs.state_dir = directory();
    spec.rootfs.ephemeral = m_record.auto_remove;
    spec.mounts = m_record.mounts;
    TRY(attach_network(config.network, spec));
    bool publishes_udp = std::ranges::any_of(config.ports, [](const PortMapping& port) { return port.protocol == PortMapping::Protocol::Udp; });
    if (publishes_udp && !spec.network)
        return make_error("-p .../udp needs the container on a network: not with --network {}", config.network.network);
    auto sandbox = TRY(prepare_sandbox({ .isolation = config.isolation, .publish_ports = !config.ports.empty(), .use_template = config.use_template }, store, image, spec));
    m_start = std::move(sandbox.start);
    m_notices = std::move(sandbox.notices);
    m_spec = std::move(spec);
    m_ports = config.ports;
    return {};
}

// The container's -v, --mount and --tmpfs: a bind's host path made absolute (it must exist), a
// volume found or made. The volumes' lock is held until the record names them, so that `volume rm`
// sees every container that uses one.
Result<void> Container::attach_mounts(const std::vector<MountSpec>& mounts)
{
    if (mounts.empty())
        return {};
    TRY(check_mount_targets(mounts));
    auto volumes = TRY(VolumeStore::open(m_root));
    auto lock = TRY(volumes.lock());
    for (auto mount : mounts) {
        switch (mount.kind) {
        case MountSpec::Kind::Bind: {
            std::error_code error;
            auto absolute = std::filesystem::absolute(mount.source, error);
            struct stat status {};
            if (error || ::stat(absolute.c_str(), &status) < 0)
                return make_error("bind source path does not exist: {}", mount.source);
            if (m_record.isolation == Isolation::Vm && !S_ISDIR(status.st_mode))
                return make_error("bind source {} is not a directory: a VM container is given directories only (over virtio-fs)", mount.source);
            mount.source = mount.host_path = absolute.lexically_normal().string();
            break;
        }
        case MountSpec::Kind::Volume: {
            auto volume = TRY(volumes.ensure(mount.source));
            mount.source = volume.name;
            mount.host_path = volume.mountpoint;
            break;
        }
        case MountSpec::Kind::Tmpfs:
            break;
        }
        m_record.mounts.push_back(std::move(mount));
    }
    return m_store.save(m_record);
}

// Where the container's network starts: none, the host's (process isolation only) or a vmlet
// network, on which it takes an address and learns the others' names (Docker's rules).
Result<void> Container::attach_network(const NetworkOptions& options, ContainerSpec& spec)
{
    auto host_resolv_conf = read_small_file("/etc/resolv.conf", kMaxResolvConf);
    std::string host_resolv = host_resolv_conf.ok() ? host_resolv_conf.value() : std::string();
    std::vector<HostEntry> peers;
    if (options.network == "host") {
        if (m_record.isolation == Isolation::Vm)
            return make_error("--network host needs --isolation=process: a VM has a network stack of its own");
        spec.host_network = true;
        auto host_hosts = read_small_file("/etc/hosts", kMaxResolvConf);
        spec.etc_hosts = host_hosts.ok() ? host_hosts.value() : hosts_base(spec.hostname, std::nullopt, options.extra_hosts);
        spec.etc_resolv_conf = host_resolv;
        return {};
    }
    if (options.network != "none") {
        auto networks = TRY(NetworkStore::open(m_root));
        auto gone = [this](const std::string& id) { return container_gone(m_store, id); };
        Endpoint endpoint { .container_id = m_record.id, .container_name = m_record.name, .aliases = options.aliases, .address = 0 };
        auto joined = TRY(join_network(networks, options.network, std::move(endpoint), options.ip, gone));
        spec.network = joined.attachment;
        peers = std::move(joined.peers);
        m_record.network = options.network;
    } else if (options.ip) {
        return make_error("--ip needs a network: not with --network none");
    }
    auto base = hosts_base(spec.hostname, spec.network, options.extra_hosts);
    spec.etc_hosts = hosts_file(base, peers);
    if (spec.network)
        TRY(replace_file(directory() + "/" + kHostsBaseFile, base));
    spec.etc_resolv_conf = resolv_conf(host_resolv, options.dns);
    return {};
}

Result<Container> Container::open(const std::string& root, std::string_view name_or_id)
{
    auto store = TRY(ContainerStore::open(root));
    auto record = TRY(store.find(name_or_id));
    Container container(std::move(store), std::move(record));
    container.m_root = root;
    return container;
}

Container::Container(Container&& other) noexcept
    : m_store(std::move(other.m_store))
    , m_record(std::move(other.m_record))
    , m_root(std::move(other.m_root))
    , m_spec(std::move(other.m_spec))
    , m_ports(std::move(other.m_ports))
    , m_start(std::move(other.m_start))
    , m_notices(std::move(other.m_notices))
    , m_reserved(std::exchange(other.m_reserved, false))
{
}

Container::~Container()
{
    if (m_reserved)
        (void)m_store.remove(m_record);
}

Result<int> Container::run_attached(const AttachOptions& attach)
{
    if (!m_start)
        return make_error("container {} was not created by this vmlet", m_record.name);
    auto log = TRY(ContainerLogWriter::open(directory(), m_spec.log, STDOUT_FILENO, STDERR_FILENO));
    auto stdio = log->stdio(attach.interactive ? STDIN_FILENO : -1);
    if (attach.terminal_size)
        m_spec.terminal = attach.terminal_size();
    MonitorOptions options { .ports = m_ports, .started = [&](std::optional<int>) {
                                log->release_container_side();
                                refresh_peer_hosts(m_root, m_store, m_record.network);
                            }, .window_changed = {} };
    if (attach.terminal_size)
        options.window_changed = [&](Sandbox& sandbox) { (void)sandbox.resize_terminal(attach.terminal_size()); };
    auto status = monitor_container(m_store, m_record, m_spec, stdio, m_start, options);
    // The monitor has recorded the exit (or removed the record, with --rm), unless the container
    // never started: then create()'s reservation goes with this object, as on any earlier error.
    m_reserved = still_a_reservation();
    refresh_peer_hosts(m_root, m_store, m_record.network);
    if (!status.ok())
        return status.release_error();
    return status;
}

Result<int> Container::run_on(const StdioFds& stdio)
{
    if (!m_start)
        return make_error("container {} was not created by this vmlet", m_record.name);
    auto status = monitor_container(m_store, m_record, m_spec, stdio, m_start, {});
    m_reserved = still_a_reservation();
    return status;
}

Result<DetachedStart> Container::run_detached()
{
    if (!m_start)
        return make_error("container {} was not created by this vmlet", m_record.name);
    auto monitor_log = TRY(open_file(directory() + "/monitor.log", O_WRONLY | O_CREAT | O_APPEND, 0640));
    int report[2];
    if (::pipe2(report, O_CLOEXEC) < 0)
        return errno_error("pipe2");
    UniqueFd report_read(report[0]), report_write(report[1]);
    std::fflush(stdout);
    std::fflush(stderr);
    pid_t monitor = ::fork();
    if (monitor < 0)
        return errno_error("cannot start the container's monitor process");
    if (monitor == 0) {
        report_read.reset();
        ::setsid();
        // The monitor's own messages (none unless something goes very wrong) go beside the log.
        ::dup2(monitor_log.get(), STDERR_FILENO);
        int null = ::open("/dev/null", O_RDWR);
        ::dup2(null, STDIN_FILENO);
        ::dup2(null, STDOUT_FILENO);
        auto say = [&](std::string line) { (void)write_all(report_write.get(), std::span(reinterpret_cast<const uint8_t*>(line.data()), line.size())); };
        auto run = [&]() -> Result<int> {
            auto log = TRY(ContainerLogWriter::open(directory(), m_spec.log, -1, -1));
            // -dt: the terminal's output is the log, at the size of a classic VT100, as no
            // terminal of vmlet's is there to follow.
            if (m_spec.terminal)
                m_spec.terminal = TerminalSize { 24, 80 };
            return monitor_container(m_store, m_record, m_spec, log->stdio(-1), m_start,
                { .ports = m_ports, .started = [&](std::optional<int> failure) {
                     log->release_container_side();
                     refresh_peer_hosts(m_root, m_store, m_record.network);
                     if (report_write.valid())
                         say(failure ? fmt::format("{}{}\n", kReportFailed, *failure) : fmt::format("{}\n", kReportRunning));
                     report_write.reset();
                 }, .window_changed = {} });
        };
        auto status = run();
        refresh_peer_hosts(m_root, m_store, m_record.network);
        for (auto delay = kFirstRestartDelay; status.ok() && restart_due(status.value()); delay = std::min(delay * 2, kLastRestartDelay)) {
            std::this_thread::sleep_for(delay);
            status = restart();
            if (status.ok()) {
                status = run();
                refresh_peer_hosts(m_root, m_store, m_record.network);
            }
        }
        if (!status.ok()) {
            say(fmt::format("{}{}\n", kReportError, status.error().message()));
            // One that never ran goes, as create()'s reservation; one that ran, or that `start`
            // was given, stays for the user to see.
            if (still_a_reservation())
                (void)m_store.remove(m_record);
        }
        ::_exit(status.ok() ? status.value() : kVmletFailure);
    }
    report_write.reset();
    auto answer = TRY(read_to_end(report_read.get(), 1 << 16));
    if (answer.empty())
        return make_error("the container's monitor process died before the container started");
    // The monitor has the record now: it keeps it true, or removed it on its error.
    m_reserved = false;
    if (answer.starts_with(kReportRunning))
        return DetachedStart {};
    if (answer.starts_with(kReportFailed))
        return DetachedStart { .start_failure = std::atoi(answer.c_str() + kReportFailed.size()) };
    return make_error("{}", std::string_view(answer).substr(kReportError.size(), answer.size() - kReportError.size() - 1));
}

// Docker's restart rules (docs.docker.com/engine/containers/start-containers-automatically): a
// container stopped by the user (stop, kill) stays stopped; on-failure restarts after a non-zero
// status, up to max_retries times when that is set; always and unless-stopped after any exit.
bool Container::restart_due(int status) const
{
    const auto& policy = m_record.config ? m_record.config->restart : RestartPolicy {};
    if (policy.kind == RestartPolicy::Kind::No || ::access((directory() + "/" + kStoppedByUserFile).c_str(), F_OK) == 0)
        return false;
    if (policy.kind == RestartPolicy::Kind::OnFailure)
        return status != 0 && (policy.max_retries == 0 || m_record.restart_count < policy.max_retries);
    return true;
}

// The monitor's next run of its container: the record as it is now (its exit recorded), counted,
// and everything that runs it made anew.
Result<int> Container::restart()
{
    m_record = TRY(m_store.find(m_record.id));
    m_record.restart_count++;
    TRY(m_store.save(m_record));
    auto store = TRY(image::Store::open(m_root));
    auto lock = TRY(store.lock_shared());
    auto image = TRY(image::ImageIndex(store).find(m_record.image_id));
    TRY(prepare(store, image));
    return 0;
}

bool Container::still_a_reservation() const
{
    auto now = m_store.find(m_record.id);
    return m_reserved && now.ok() && now.value().state == ContainerState::Created;
}

Result<void> Container::mark_stopped_by_user() const
{
    return replace_file(directory() + "/" + kStoppedByUserFile, "");
}

Result<void> Container::wait_until_exited(std::chrono::milliseconds timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto now = m_store.find(m_record.id);
        // Gone: a --rm container that its monitor has removed.
        if (!now.ok() || now.value().state != ContainerState::Running) {
            if (now.ok())
                m_record = now.release_value();
            return {};
        }
        if (std::chrono::steady_clock::now() >= deadline)
            return make_error("container {} did not stop", m_record.name);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

Result<void> Container::stop(std::chrono::seconds grace)
{
    // Marked first: a container its restart policy's monitor is about to run again stays stopped.
    TRY(mark_stopped_by_user());
    if (m_record.state != ContainerState::Running)
        return {};
    TRY(signal_container(m_record, SIGTERM));
    if (wait_until_exited(grace).ok())
        return {};
    TRY(signal_container(m_record, SIGKILL));
    return wait_until_exited(kKillTimeout);
}

Result<void> Container::kill(int signal)
{
    TRY(mark_stopped_by_user());
    return signal_container(m_record, signal);
}

Result<void> Container::remove(bool force, bool anonymous_volumes)
{
    if (m_record.state == ContainerState::Running) {
        if (!force)
            return make_error("container {} is running: stop it first, or use rm -f", m_record.name);
        TRY(signal_container(m_record, SIGKILL));
        TRY(wait_until_exited(kKillTimeout));
        if (!m_store.find(m_record.id).ok())
            return {}; // --rm: its monitor removed it
    }
    if (m_record.abandoned)
        TRY(reclaim_abandoned(m_record, directory()));
    return m_store.remove(m_record, anonymous_volumes);
}

Result<int> Container::exec(const ExecRequest& request)
{
    if (m_record.state != ContainerState::Running)
        return make_error("container {} is not running", m_record.name);
    switch (m_record.isolation) {
    case Isolation::Process:
        return exec_in_process_container(m_record, request);
    case Isolation::Vm: {
        // An OCI bundle names its users by number (and its process files say whom to run).
        if (!m_record.bundle.empty())
            return exec_in_vm_container(m_record, request, TRY(resolve_exec_user(request.user.value_or(m_record.user), std::nullopt, std::nullopt)));
        // A VM's files are out of the host's reach: the user is resolved in the image's own layers.
        auto store = TRY(image::Store::open(m_root));
        ExecUser user;
        {
            auto lock = TRY(store.lock_shared());
            auto image = TRY(image::ImageIndex(store).find(m_record.image_id));
            user = TRY(resolve_user_in_layers(image::overlay_lower_dirs(store, image), request.user.value_or(m_record.user)));
        }
        return exec_in_vm_container(m_record, request, user);
    }
    }
    return make_error("unknown isolation");
}

Result<int> Container::wait()
{
    for (;;) {
        auto now = TRY(m_store.find(m_record.id));
        if (now.state != ContainerState::Running && !monitor_alive(now))
            return now.abandoned ? 137 : now.exit_code;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

Result<int> Container::follow_to_exit(int out, int err, const std::function<void()>& meanwhile)
{
    LogQuery from_now { .tail = 0, .since = {}, .timestamps = false, .follow = true };
    TRY(copy_container_log(directory(), from_now, out, err, [this, &meanwhile] {
        meanwhile();
        auto now = m_store.find(m_record.id);
        return now.ok() && now.value().state == ContainerState::Running;
    }));
    return wait();
}

Result<void> Container::logs(const LogQuery& query, int out, int err) const
{
    return copy_container_log(directory(), query, out, err, [this] {
        auto now = m_store.find(m_record.id);
        return now.ok() && now.value().state == ContainerState::Running;
    });
}

}
