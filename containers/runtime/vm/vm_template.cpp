#include "containers/runtime/vm/vm_template.h"
#include "vmm/base/random_hex.h"

#include "containers/image/digest.h"
#include "containers/image/json_fields.h"
#include "containers/runtime/container_store.h"
#include "containers/runtime/vm/container_tap.h"
#include "containers/runtime/vm/layer_disk.h"
#include "containers/runtime/vm/monitor_binary.h"
#include "containers/runtime/vm/monitor_jail.h"
#include "containers/runtime/vm/vm_control.h"
#include "containers/runtime/vm/volume_exports.h"
#include "containers/runtime/vm/vsock_ports.h"
#include "guest/agent/agent_protocol.h"
#include "vmm/base/file.h"
#include "vmm/base/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iterator>

namespace vmlet {

namespace fs = std::filesystem;
using namespace image::json_fields;

namespace {

constexpr const char* kInfoFile = "template.json";
constexpr const char* kBuildPrefix = ".build-";
// A template's VM boots to its agent's wait: as long as a container's first boot may take, which
// is about half a minute where the guest's kernel is interpreted (PVM hosts).
constexpr auto kBuildTimeout = std::chrono::minutes(10);

// A file's identity as the key takes it: a file replaced or rebuilt is another file.
Result<std::string> identity(const std::string& path)
{
    struct stat status {};
    if (::stat(path.c_str(), &status) < 0)
        return errno_error(fmt::format("cannot find {}", path));
    return fmt::format("{} {}:{} {} {}.{:09}", path, status.st_dev, status.st_ino, status.st_size, status.st_mtim.tv_sec, status.st_mtim.tv_nsec);
}

// An exclusive flock(2) on a file, released when this goes.
class KeyLock {
public:
    static Result<KeyLock> take(const std::string& path)
    {
        UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
        if (!fd.valid())
            return errno_error(fmt::format("cannot open {}", path));
        while (::flock(fd.get(), LOCK_EX) < 0) {
            if (errno != EINTR)
                return errno_error(fmt::format("cannot lock {}", path));
        }
        return KeyLock(std::move(fd));
    }

private:
    explicit KeyLock(UniqueFd fd)
        : m_fd(std::move(fd))
    {
    }
    UniqueFd m_fd;
};

// What is made while a template is built, gone again however the build ends.
class BuildScratch {
public:
    BuildScratch(std::string work, std::string sockets)
        : m_work(std::move(work))
        , m_sockets(std::move(sockets))
    {
    }
    ~BuildScratch()
    {
        if (m_vm > 0) {
            ::kill(m_vm, SIGKILL);
            (void)wait_process(m_vm);
        }
        std::error_code error;
        fs::remove_all(m_work, error);
        fs::remove_all(m_sockets, error);
    }
    BuildScratch(const BuildScratch&) = delete;
    BuildScratch& operator=(const BuildScratch&) = delete;

    const std::string& work() const { return m_work; }
    std::string socket(const char* name) const { return m_sockets + "/" + name; }
    void set_vm(pid_t vm) { m_vm = vm; }
    pid_t vm() const { return m_vm; }
    // The VM has been waited for.
    void vm_ended() { m_vm = 0; }

private:
    std::string m_work, m_sockets;
    pid_t m_vm { 0 };
};

// Waits for the template's agent to say it is ready to be saved, or for its VM to stop. The agent
// connects to READY and closes the connection: its end (EOF here) says the guest has left connect(2)
// and is on its way to accept(2) on WAKE. Saved any earlier, a restored guest would still be in
// connect(2), whose answer the restore's vsock reset has dropped.
Result<void> wait_until_ready(int listener, BuildScratch& scratch)
{
    auto deadline = std::chrono::steady_clock::now() + kBuildTimeout;
    UniqueFd connection;
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd ready { connection.valid() ? connection.get() : listener, POLLIN, 0 };
        if (::poll(&ready, 1, 100) > 0) {
            if (!connection.valid()) {
                connection.reset(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
                continue;
            }
            char byte;
            if (::recv(connection.get(), &byte, 1, 0) <= 0)
                return {};
        }
        int status = 0;
        if (::waitpid(scratch.vm(), &status, WNOHANG) == scratch.vm()) {
            scratch.vm_ended();
            auto console = read_small_file(scratch.work() + "/console.log", 1 << 20);
            auto text = console.ok() ? console.value() : std::string();
            auto last = text.substr(text.rfind('\n', text.size() >= 2 ? text.size() - 2 : 0) + 1);
            return make_error("the template's VM stopped before its agent was ready{}{}", last.empty() ? "" : ": ", last.substr(0, last.find('\n')));
        }
    }
    return make_error("the template's VM was not ready within {} minutes", std::chrono::duration_cast<std::chrono::minutes>(kBuildTimeout).count());
}

Json info_json(const TemplateShape& shape)
{
    return { { "image", shape.image_hex }, { "disk", shape.disk }, { "memory_mib", shape.memory_mib }, { "cpus", shape.cpus },
        { "created", now_rfc3339() } };
}

Result<std::pair<TemplateShape, std::string>> read_info(const std::string& directory)
{
    auto text = TRY(read_small_file(directory + "/" + kInfoFile, 1 << 16));
    auto object = TRY(parse_object(text, "the template's record"));
    TemplateShape shape;
    shape.image_hex = TRY(required_string(object, "image"));
    shape.disk = TRY(required_string(object, "disk"));
    if (!object.contains("memory_mib") || !object["memory_mib"].is_number_unsigned() || !object.contains("cpus") || !object["cpus"].is_number_unsigned())
        return make_error("{}/{} is not a template's record", directory, kInfoFile);
    shape.memory_mib = object["memory_mib"].get<uint64_t>();
    shape.cpus = object["cpus"].get<uint32_t>();
    return std::pair { shape, TRY(string_or_empty(object, "created")) };
}

uint64_t allocated_bytes(const std::string& path)
{
    struct stat status {};
    return ::stat(path.c_str(), &status) == 0 ? static_cast<uint64_t>(status.st_blocks) * 512 : 0;
}

}

Result<std::optional<std::string>> snapshot_unsupported_reason()
{
    auto checked = run_tool({ monitor_binary(), "check-snapshot" });
    if (checked.ok())
        return std::optional<std::string>();
    return std::optional<std::string>(checked.error().message());
}

Result<std::string> VmTemplates::key_of(const TemplateShape& shape) const
{
    // 2: the template's VM has a virtio-net card, whose tap each restore replaces; 3: and the
    // volumes' virtio-fs device, whose exports each restore gives; 4: and a second disk, the
    // container's writable layer (layer_disk.h).
    std::string text = "vmlet VM container template 4\n";
    for (const auto& file : { monitor_binary(), std::string(VMLET_DATADIR "/vmlinux"), std::string(VMLET_DATADIR "/initramfs.cpio"), shape.disk })
        text += TRY(identity(file)) + "\n";
    text += fmt::format("memory {} MiB, {} vCPUs\n", shape.memory_mib, shape.cpus);
    // A template saves the guest's TSC-based clocks, which only this boot of the host continues
    // (a PVM host cannot even set a guest's TSC: it is the host's).
    auto boot = read_small_file("/proc/sys/kernel/random/boot_id", 64);
    text += "host boot " + (boot.ok() ? boot.value() : std::string("unknown\n"));
    return std::string(image::Digest::of(text).hex().substr(0, 32));
}

Result<std::optional<std::string>> VmTemplates::find_or_build(const TemplateShape& shape, std::string& why_not)
{
    auto key = TRY(key_of(shape));
    auto directory = m_root + "/" + key;
    if (fs::exists(directory + "/state"))
        return std::optional(directory);
    if (auto reason = TRY(snapshot_unsupported_reason())) {
        why_not = *reason;
        return std::optional<std::string>();
    }
    std::error_code error;
    fs::create_directories(m_root, error);
    ::chmod(m_root.c_str(), 0700); // guest memory: the store's owner's alone
    auto lock = TRY(KeyLock::take(m_root + "/" + key + ".lock"));
    if (fs::exists(directory + "/state"))
        return std::optional(directory); // another vmlet built it while this one waited
    auto built = build(shape, directory);
    if (!built.ok()) {
        why_not = built.error().message();
        return std::optional<std::string>();
    }
    return std::optional(directory);
}

Result<void> VmTemplates::build(const TemplateShape& shape, const std::string& directory)
{
    auto key = fs::path(directory).filename().string();
    std::error_code error;
    // Unix socket paths must fit in 108 bytes, which a store path may not: they go under TMPDIR.
    BuildScratch scratch(fmt::format("{}/{}{}-{}", m_root, kBuildPrefix, key, ::getpid()),
        (fs::temp_directory_path(error) / ("vmlet-t" + random_hex(8))).string());
    for (const auto& made : { scratch.work(), fs::path(scratch.socket("x")).parent_path().string() }) {
        if (::mkdir(made.c_str(), 0700) < 0)
            return errno_error(fmt::format("cannot create {}", made));
    }
    // The jailed monitor saves the snapshot in the one (inside the store, closed to others) and
    // reaches its listeners in the other.
    TRY(open_to_monitor(scratch.work(), MonitorAccess::Write));
    TRY(open_to_monitor(fs::path(scratch.socket("x")).parent_path().string(), MonitorAccess::Connect));
    auto vsock = scratch.socket("v.sock");
    auto api = scratch.socket("api.sock");
    auto ready = TRY(listen_for_guest(vsock, VMLET_AGENT_PORT_READY));
    auto console = TRY(open_file(scratch.work() + "/console.log", O_WRONLY | O_CREAT | O_TRUNC, 0640));
    // One virtio-net card: a restore can replace the back-ends of the devices a snapshot has and
    // add none, so every container restored from this gets its card, on its own tap
    // (vm_sandbox.cpp), and its own MAC from its spec. The template's tap is on no bridge and goes
    // with its VM.
    auto tap = TRY(ContainerTap::create());
    // A blank second disk, which the guest sees and never mounts: each restore gives the
    // container's writable layer in its place (layer_disk.h).
    auto layer = scratch.work() + "/layer-placeholder";
    TRY(blank_layer_disk(layer));
    std::vector<std::string> argv { monitor_binary(), "boot", "--disk", shape.disk + ",ro", "--disk", layer, "--vsock", fmt::format("cid={},uds={}", int(VMLET_AGENT_GUEST_CID), vsock),
        "--net", fmt::format("fd={}", tap.fd.get()), "--api-socket", api, "--memory", std::to_string(shape.memory_mib), "--cpus", std::to_string(shape.cpus),
        "--exit-with-parent" };
    // And the volumes' virtio-fs device, without exports: each restore gives it the container's.
    std::ranges::copy(volume_share_flags(ContainerSpec {}), std::back_inserter(argv));
    std::ranges::copy(monitor_jail_flags(scratch.work()), std::back_inserter(argv));
    argv.insert(argv.end(), { "--", VMLET_AGENT_PATH, VMLET_AGENT_TEMPLATE_FLAG });
    argv.insert(argv.end(), shape.warm_files.begin(), shape.warm_files.end());
    scratch.set_vm(TRY(spawn_process(argv,
        { .stdin_fd = -1, .stdout_fd = console.get(), .stderr_fd = console.get(), .own_process_group = true, .inherited_fds = { tap.fd.get() } })));
    tap.fd.reset();
    TRY(wait_until_ready(ready.get(), scratch));
    auto control = TRY(VmControl::connect(api));
    auto snapshot = scratch.work() + "/snapshot";
    TRY_CONTEXT(control.snapshot(snapshot), "saving the template");
    TRY(control.stop());
    (void)wait_process(scratch.vm());
    scratch.vm_ended();
    TRY(replace_file(snapshot + "/" + kInfoFile, info_json(shape).dump(2)));
    if (::rename(snapshot.c_str(), directory.c_str()) < 0)
        return errno_error(fmt::format("cannot store the template in {}", directory));
    return {};
}

Result<std::vector<TemplateInfo>> VmTemplates::list() const
{
    std::vector<TemplateInfo> templates;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(m_root, error)) {
        auto name = entry.path().filename().string();
        if (!entry.is_directory() || name.starts_with("."))
            continue;
        TemplateInfo info;
        info.key = name;
        auto record = read_info(entry.path().string());
        if (record.ok()) {
            auto& [shape, created] = record.value();
            info.image_hex = shape.image_hex;
            info.created = created;
            info.memory_mib = shape.memory_mib;
            info.cpus = shape.cpus;
            auto key = key_of(shape);
            info.usable = key.ok() && key.value() == name;
        }
        info.disk_bytes = allocated_bytes(entry.path().string() + "/memory");
        templates.push_back(std::move(info));
    }
    return templates;
}

Result<void> VmTemplates::remove(const std::string& key_prefix)
{
    std::vector<std::string> matches;
    for (const auto& info : TRY(list())) {
        if (!key_prefix.empty() && info.key.starts_with(key_prefix))
            matches.push_back(info.key);
    }
    if (matches.empty())
        return make_error("no such template: {}", key_prefix);
    if (matches.size() > 1)
        return make_error("template key prefix '{}' is ambiguous", key_prefix);
    std::error_code error;
    fs::remove_all(m_root + "/" + matches.front(), error);
    if (error)
        return make_error("cannot remove template {}: {}", matches.front(), error.message());
    return {};
}

Result<size_t> VmTemplates::remove_image(const std::string& image_hex)
{
    size_t removed = 0;
    for (const auto& info : TRY(list())) {
        std::error_code error;
        if (info.image_hex == image_hex && fs::remove_all(m_root + "/" + info.key, error) > 0)
            ++removed;
    }
    return removed;
}

Result<size_t> VmTemplates::prune()
{
    size_t removed = 0;
    for (const auto& info : TRY(list())) {
        std::error_code error;
        if (!info.usable && fs::remove_all(m_root + "/" + info.key, error) > 0)
            ++removed;
    }
    // What a killed build left: its vmlet is gone (the directory names its pid).
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(m_root, error)) {
        auto name = entry.path().filename().string();
        auto dash = name.rfind('-');
        if (!name.starts_with(kBuildPrefix) || dash == std::string::npos)
            continue;
        auto pid = static_cast<pid_t>(std::atol(name.c_str() + dash + 1));
        if (pid > 0 && ::kill(pid, 0) < 0 && errno == ESRCH)
            fs::remove_all(entry.path(), error);
    }
    return removed;
}

}
