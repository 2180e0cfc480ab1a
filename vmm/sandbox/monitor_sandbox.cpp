#include "vmm/sandbox/monitor_sandbox.h"

#include "devices/fs/handle_table.h"
#include "devices/fs/inode_table.h"
#include "devices/virtio/vsock_device.h"
#include "vmm/api/api_server.h"
#include "vmm/base/unique_fd.h"
#include "vmm/sandbox/thread_filters.h"
#include "vmm/snapshot/snapshot_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>

namespace vmlet {

namespace {

// Descriptors opened once the VM runs: the run loop's signalfd; a snapshot's directory (read to
// see that it is empty), memory file and state file; the control socket's clients and one more
// accepted to be turned away; vsock's connections, one more accepted or connected before the
// device sees it is at its limit, and one for the listener's next client.
constexpr uint64_t kRunLoopDescriptors = 1;
constexpr uint64_t kSnapshotDescriptors = 3;
constexpr uint64_t kControlDescriptors = ApiServer::kMaxClients + 1;
constexpr uint64_t kVsockDescriptors = virtio::VsockDevice::kMaxConnections + 2;
// A share's nodes and handles, and the file its server reopens for one request (a truncation).
constexpr uint64_t kShareDescriptors = fs::InodeTable::kMaxInodes + fs::HandleTable::kMaxHandles + 1;

// One past the highest descriptor open now: a lower RLIMIT_NOFILE would not close those above
// it, but would keep the numbers below from being reused as the limit says.
Result<uint64_t> descriptor_ceiling()
{
    DIR* directory = ::opendir("/proc/self/fd");
    if (!directory)
        return errno_error("/proc/self/fd");
    uint64_t ceiling = 0;
    while (auto* entry = ::readdir(directory))
        ceiling = std::max<uint64_t>(ceiling, std::strtoull(entry->d_name, nullptr, 10) + 1);
    ::closedir(directory);
    return ceiling;
}

Result<uint64_t> descriptor_need(const Machine& machine, bool control_socket)
{
    uint64_t need = TRY(descriptor_ceiling()) + kRunLoopDescriptors;
    if (control_socket)
        need += kSnapshotDescriptors + kControlDescriptors;
    if (machine.config().vsock)
        need += kVsockDescriptors;
    // A share's server holds a descriptor for each node and each open file the guest has.
    need += machine.config().shares.size() * kShareDescriptors;
    return need;
}

bool is_growing_file(int fd)
{
    struct stat status {};
    return ::fstat(fd, &status) == 0 && (S_ISREG(status.st_mode) || S_ISBLK(status.st_mode));
}

// The largest file this process writes, if that has a bound: a writable disk (the guest writes
// anywhere in it, never past its end), and with the control socket a snapshot's memory file (all
// of guest RAM) and state file. None when standard output or error is a file: the guest's console
// goes there, as much of it as the guest writes; nor with a writable share, whose files the guest
// makes as large as it likes (the host file system's quota and space bound them).
Result<std::optional<uint64_t>> file_size_need(const Machine& machine, bool control_socket)
{
    if (is_growing_file(STDOUT_FILENO) || is_growing_file(STDERR_FILENO))
        return std::optional<uint64_t>();
    for (const auto& share : machine.config().shares) {
        if (std::any_of(share.exports.begin(), share.exports.end(), [](const auto& exported) { return !exported.read_only; }))
            return std::optional<uint64_t>();
    }
    uint64_t need = 0;
    for (const auto& disk : machine.config().disks) {
        if (disk.read_only)
            continue;
        UniqueFd fd(::open(disk.path.c_str(), O_RDONLY | O_CLOEXEC));
        off_t size = fd.valid() ? ::lseek(fd.get(), 0, SEEK_END) : -1;
        if (size < 0)
            return errno_error(fmt::format("the size of {}", disk.path));
        need = std::max(need, uint64_t(size));
    }
    if (control_socket)
        need = std::max({ need, machine.memory().total_size(), uint64_t(kMaxSnapshotState) });
    return std::optional(need);
}

Result<void> set_limit(int resource, const char* name, uint64_t value)
{
    rlimit current {};
    if (::getrlimit(resource, &current) < 0)
        return errno_error(name);
    // Lowered, never raised past the hard limit (that would need CAP_SYS_RESOURCE).
    rlim_t limit = std::min<rlim_t>(value, current.rlim_max);
    rlimit wanted { limit, limit };
    if (::setrlimit(resource, &wanted) < 0)
        return errno_error(fmt::format("setrlimit({})", name));
    return {};
}

Result<void> limit_resources(const Machine& machine, bool control_socket)
{
    auto descriptors = TRY(descriptor_need(machine, control_socket));
    TRY(set_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", descriptors));
    if (auto file_size = TRY(file_size_need(machine, control_socket))) {
        // A write past the limit fails with EFBIG instead of killing the monitor (setrlimit(2)).
        ::signal(SIGXFSZ, SIG_IGN);
        TRY(set_limit(RLIMIT_FSIZE, "RLIMIT_FSIZE", *file_size));
    }
    return {};
}

// `path` absolute and normal, without a trailing separator.
std::string normal_directory(const std::filesystem::path& path)
{
    auto normal = std::filesystem::absolute(path).lexically_normal();
    if (normal.has_filename() || normal == normal.root_path())
        return normal.string();
    return normal.parent_path().string();
}

// Whether a share has something to serve: a device with no export (every VM container's, and its
// template's, until a restore gives it volumes) answers from its empty root alone and needs
// neither a file server's capabilities nor its calls.
bool serves_files(const Machine& machine)
{
    return std::ranges::any_of(machine.config().shares, [](const auto& share) { return !share.exports.empty(); });
}

// What the jail shows: the vsock socket's directory, read-only (a guest connection to port P
// reaches the host listener at PATH_P there, connect(2) on a read-only mount being allowed), and
// the snapshot directory, writable.
Result<JailOptions> jail_with_mounts(JailOptions jail, const Machine& machine, const std::optional<std::string>& snapshot_directory)
{
    if (const auto& vsock = machine.config().vsock)
        jail.mounts.push_back({ normal_directory(std::filesystem::path(vsock->socket_path).parent_path()), false });
    // The shares' directories need no mount: their server holds them open from before the jail.
    jail.file_server = serves_files(machine);
    if (snapshot_directory)
        jail.mounts.push_back({ normal_directory(*snapshot_directory), true });
    for (const auto& mount : jail.mounts) {
        if (mount.path == "/")
            return make_error("--jail: the jail would show the whole of /; put the vsock socket and snapshots in directories of their own");
    }
    return jail;
}

ThreadSetup install(ThreadKind kind, pid_t pid, bool file_server = false)
{
    auto program = std::make_shared<const std::vector<sock_filter>>(thread_filter(kind, pid, file_server));
    return [program] { return install_seccomp_filter(*program); };
}

}

SnapshotPlaces snapshot_places(const SandboxOptions& options)
{
    if (!options.jail)
        return {};
    if (!options.snapshot_directory)
        return { .allowed = false, .under = {} };
    return { .allowed = true, .under = normal_directory(*options.snapshot_directory) };
}

Result<void> lock_down_process(const Machine& machine, const SandboxOptions& options, bool control_socket)
{
    TRY(limit_resources(machine, control_socket));
    if (options.jail) {
        auto jail = TRY(jail_with_mounts(*options.jail, machine, options.snapshot_directory));
        TRY(enter_jail(jail));
    }
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return errno_error("prctl(PR_SET_NO_NEW_PRIVS)");
    // After the jail: a change of user resets it (prctl(2)).
    if (::prctl(PR_SET_DUMPABLE, 0) < 0)
        return errno_error("prctl(PR_SET_DUMPABLE)");
    return {};
}

ThreadSandbox thread_sandbox(const SandboxOptions& options, const Machine& machine)
{
    if (!options.seccomp)
        return {};
    pid_t pid = ::getpid();
    bool file_server = serves_files(machine);
    return { .vm_threads = { .vcpu = install(ThreadKind::Vcpu, pid), .device = install(ThreadKind::Device, pid, file_server) },
        .main_thread = install(ThreadKind::Main, pid) };
}

}
