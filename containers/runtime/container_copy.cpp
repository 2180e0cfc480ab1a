#include "containers/runtime/container_copy.h"

#include "containers/runtime/copy/tar_extractor.h"
#include "containers/runtime/copy/tree_tar_writer.h"
#include "containers/image/image_index.h"
#include "containers/runtime/process/overlay_rootfs.h"
#include "containers/runtime/rootfs_path.h"
#include "containers/runtime/vm/vm_tools.h"
#include "vmm/base/file.h"
#include "vmm/base/random_hex.h"
#include "vmm/base/subprocess.h"
#include "vmm/base/unique_fd.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <thread>

namespace vmlet {

namespace {

// One end of a copy: the host's file system, or a container's root.
struct Side {
    int root_fd { -1 }; // -1: the host
    bool host() const { return root_fd < 0; }
};

Result<UniqueFd> open_on(const Side& side, const std::string& path, int flags)
{
    if (!side.host())
        return open_in_root(side.root_fd, path, flags);
    UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC));
    if (!fd.valid())
        return errno_error(fmt::format("cannot open {}", path));
    return fd;
}

// A path split as docker cp reads it: the directory that holds it, its last name, and whether it
// ended in "/." (the contents of a directory) or "/" (it must be a directory).
struct SplitPath {
    std::string parent, name;
    bool contents_only { false }, trailing_slash { false };
};

SplitPath split(std::string_view path)
{
    SplitPath split;
    if (path.ends_with("/.") || path == ".") {
        split.contents_only = true;
        path.remove_suffix(1);
    }
    split.trailing_slash = path.ends_with("/");
    while (path.size() > 1 && path.ends_with("/"))
        path.remove_suffix(1);
    auto slash = path.rfind('/');
    if (path.empty() || path == "/") {
        // The root (or the working directory): its contents, as it has no name of its own.
        split.parent = std::string(path.empty() ? std::string_view(".") : path);
        split.name = std::string(".");
        split.contents_only = true;
    } else if (slash == std::string_view::npos) {
        split.parent = std::string(".");
        split.name = std::string(path);
    } else {
        split.parent = std::string(slash == 0 ? path.substr(0, 1) : path.substr(0, slash));
        split.name = std::string(path.substr(slash + 1));
    }
    if (split.name == "..")
        split.contents_only = true;
    return split;
}

// What to copy: an open parent and the entry in it, not followed.
struct Source {
    UniqueFd parent;
    SplitPath path;
    bool directory { false };
};

Result<Source> open_source(const Side& side, const std::string& path)
{
    Source source { .parent = {}, .path = split(path), .directory = false };
    source.parent = TRY(open_on(side, source.path.parent, O_PATH | O_DIRECTORY));
    struct stat status {};
    if (::fstatat(source.parent.get(), source.path.name.c_str(), &status, AT_SYMLINK_NOFOLLOW) < 0)
        return errno_error(fmt::format("cannot copy {}", path));
    source.directory = S_ISDIR(status.st_mode);
    if ((source.path.contents_only || source.path.trailing_slash) && !source.directory)
        return make_error("cannot copy {}: not a directory", path);
    return source;
}

// Where the tar of a source unpacks, and under which top name (docker cp's table): decided from
// what the destination side says is at a path (through symlinks), on the host or in a container.
struct TargetPlan {
    std::string directory;
    std::string archive_name; // empty: the source's contents go straight into `directory`
};
using KindOf = std::function<Result<VmTools::Kind>(const std::string& path)>;

Result<TargetPlan> plan_target(const SplitPath& source, bool source_directory, const std::string& destination, const KindOf& kind_of)
{
    auto dest = split(destination);
    auto kind = TRY(kind_of(destination));
    if (kind == VmTools::Kind::Directory)
        return TargetPlan { destination, source.contents_only ? std::string() : source.name };
    bool exists = kind == VmTools::Kind::Other;
    if (exists && source_directory)
        return make_error("cannot copy a directory to a file: {}", destination);
    if (!exists && dest.trailing_slash)
        return make_error("the destination directory {} does not exist", destination);
    if (dest.name == "." || dest.name == ".." || dest.contents_only)
        return make_error("the destination {} is not a directory", destination);
    if (source.contents_only && !source_directory)
        return make_error("cannot copy the contents of a file");
    // A new (or replaced) file or directory under the name the destination gives it.
    if (TRY(kind_of(dest.parent)) != VmTools::Kind::Directory)
        return make_error("the destination directory {} does not exist", dest.parent);
    return TargetPlan { dest.parent, dest.name };
}

// What is at `path` on the host or in a process container's root.
KindOf kind_on(const Side& side)
{
    return [side](const std::string& path) -> Result<VmTools::Kind> {
        auto opened = open_on(side, path, O_PATH);
        struct stat status {};
        if (!opened.ok() || ::fstat(opened.value().get(), &status) < 0)
            return VmTools::Kind::Missing;
        return S_ISDIR(status.st_mode) ? VmTools::Kind::Directory : VmTools::Kind::Other;
    };
}

struct Target {
    UniqueFd directory;
    std::string archive_name;
};

Result<Target> choose_target(const Side& side, const Source& source, const std::string& destination)
{
    auto plan = TRY(plan_target(source.path, source.directory, destination, kind_on(side)));
    auto directory = open_on(side, plan.directory, O_PATH | O_DIRECTORY);
    if (!directory.ok())
        return make_error("the destination directory {} does not exist", plan.directory);
    return Target { directory.release_value(), plan.archive_name };
}

// Streams the tar of `source` from a thread of its own into the extraction of it at `target`.
Result<void> copy_tree(Source source, Target target)
{
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) < 0)
        return errno_error("pipe2");
    UniqueFd read_end(ends[0]), write_end(ends[1]);
    // A source copied as its contents goes in with the contents' names; otherwise under the target's name.
    TreeSource tree { .parent_fd = source.parent.get(), .name = source.path.name,
        .archive_name = target.archive_name.empty() ? source.path.name : target.archive_name,
        .contents_only = target.archive_name.empty() || source.path.contents_only };
    if (source.path.contents_only && !target.archive_name.empty()) {
        // "SRC/." to a new DEST: DEST is made, and the contents go in it.
        if (::mkdirat(target.directory.get(), target.archive_name.c_str(), 0755) < 0 && errno != EEXIST)
            return errno_error(fmt::format("cannot create {}", target.archive_name));
        auto made = open_in_root(target.directory.get(), target.archive_name, O_PATH | O_DIRECTORY);
        if (!made.ok())
            return made.release_error();
        target.directory = made.release_value();
    }
    Result<void> written {};
    std::thread writer([&] {
        written = write_tree_as_tar(tree, write_end.get());
        write_end.reset();
    });
    auto extracted = extract_tar_beneath(read_end.get(), target.directory.get());
    // The writer stops at a closed pipe (EPIPE: vmlet ignores SIGPIPE meanwhile, cp_command.cpp).
    read_end.reset();
    writer.join();
    if (!written.ok())
        return written.release_error();
    return extracted;
}

Result<void> running(const ContainerRecord& record)
{
    if (record.state != ContainerState::Running || !monitor_alive(record) || (record.isolation == Isolation::Process && record.container_pid <= 0))
        return make_error("container {} is not running: vmlet cp reaches a VM container's files through its running agent; start it first", record.name);
    return {};
}

Result<UniqueFd> container_root(const ContainerRecord& record)
{
    TRY(running(record));
    // The container's root as its first process sees it: its overlay and its volumes.
    UniqueFd root(::open(fmt::format("/proc/{}/root", record.container_pid).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root.valid())
        return errno_error(fmt::format("cannot reach the root of container {}", record.name));
    return root;
}

// What a guest's tar may hold: more than its layer disk (10 GiB) and a volume's worth besides,
// and not without end.
constexpr uint64_t kMaxGuestTarBytes = uint64_t(64) << 30;
constexpr uint64_t kMaxGuestTarEntries = 10'000'000;

// A path in a VM container, absolute: docker cp reads a relative one from the container's root.
std::string in_vm(const std::string& path)
{
    return path.starts_with('/') ? path : "/" + path;
}

std::string joined_path(const SplitPath& path)
{
    return path.parent == "/" ? "/" + path.name : path.parent + "/" + path.name;
}

// Copies everything from `from` to `to` (the "-" streams), until `from` ends.
Result<void> pass_through(int from, int to)
{
    char buffer[1 << 16];
    for (;;) {
        ssize_t got = ::read(from, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return errno_error("cannot read the copy's stream");
        if (got == 0)
            return {};
        TRY(write_all(to, std::span(reinterpret_cast<const uint8_t*>(buffer), static_cast<size_t>(got))));
    }
}

// Out of a VM container: the guest's tar of the source, read as hostile and unpacked on the host
// beneath the target (docker cp's rename of a single entry through a staging directory beside it).
Result<void> copy_from_vm(const ContainerRecord& record, const std::string& container_path, const std::string& destination)
{
    TRY(running(record));
    VmTools vm(record.agent_socket);
    auto path = split(in_vm(container_path));
    auto full = path.contents_only && path.name == "." ? path.parent : joined_path(path);
    auto kind = TRY(vm.kind(full, false));
    if (kind == VmTools::Kind::Missing)
        return make_error("cannot copy {}: no such file or directory in container {}", container_path, record.name);
    bool directory = kind == VmTools::Kind::Directory;
    if ((path.contents_only || path.trailing_slash) && !directory)
        return make_error("cannot copy {}: not a directory", container_path);
    if (destination == "-") {
        auto stream = path.contents_only ? TRY(vm.tar_out(full, ".")) : TRY(vm.tar_out(path.parent, path.name));
        return pass_through(stream.get(), STDOUT_FILENO);
    }
    auto plan = TRY(plan_target(path, directory, destination, kind_on(Side {})));
    auto into = open_on(Side {}, plan.directory, O_PATH | O_DIRECTORY);
    if (!into.ok())
        return make_error("the destination directory {} does not exist", plan.directory);
    // The guest's tar: no more than a guest could hold, and when it should be one entry, nothing
    // beside it (a sibling in the destination directory, ~/.bashrc say, is not the guest's to write).
    ExtractLimits contents { .max_bytes = kMaxGuestTarBytes, .max_entries = kMaxGuestTarEntries, .only_under = {} };
    ExtractLimits one_entry { .max_bytes = kMaxGuestTarBytes, .max_entries = kMaxGuestTarEntries, .only_under = path.name };
    if (plan.archive_name.empty())
        return extract_tar_beneath(TRY(vm.tar_out(full, ".")).get(), into.value().get(), contents);
    if (path.contents_only) {
        // "SRC/." to a new DEST: DEST is made, and the contents go in it.
        if (::mkdirat(into.value().get(), plan.archive_name.c_str(), 0755) < 0 && errno != EEXIST)
            return errno_error(fmt::format("cannot create {}", plan.archive_name));
        auto made = TRY(open_in_root(into.value().get(), plan.archive_name, O_PATH | O_DIRECTORY));
        return extract_tar_beneath(TRY(vm.tar_out(full, ".")).get(), made.get(), contents);
    }
    if (plan.archive_name == path.name)
        return extract_tar_beneath(TRY(vm.tar_out(path.parent, path.name)).get(), into.value().get(), one_entry);
    auto staging = fmt::format(".vmlet-cp-{}", random_hex(8));
    if (::mkdirat(into.value().get(), staging.c_str(), 0700) < 0)
        return errno_error(fmt::format("cannot create {}/{}", plan.directory, staging));
    auto unstage = [&] {
        std::error_code error;
        std::filesystem::remove_all(plan.directory + "/" + staging, error);
    };
    auto staged = open_in_root(into.value().get(), staging, O_PATH | O_DIRECTORY);
    Result<void> copied = staged.ok() ? Result<void> {} : staged.release_error();
    if (copied.ok()) {
        auto stream = vm.tar_out(path.parent, path.name);
        copied = stream.ok() ? extract_tar_beneath(stream.value().get(), staged.value().get(), one_entry) : stream.release_error();
    }
    if (copied.ok() && ::renameat(staged.value().get(), path.name.c_str(), into.value().get(), plan.archive_name.c_str()) < 0)
        copied = errno_error(fmt::format("cannot copy to {}", destination));
    unstage();
    return copied;
}

// Into a VM container: the host's tree as a tar under the name docker cp gives it, unpacked by
// the guest's tar.
Result<void> copy_to_vm(const ContainerRecord& record, const std::string& source_path, const std::string& container_path)
{
    TRY(running(record));
    VmTools vm(record.agent_socket);
    auto destination = in_vm(container_path);
    if (source_path == "-") {
        if (TRY(vm.kind(destination, true)) != VmTools::Kind::Directory)
            return make_error("the destination {} must be a directory in the container", container_path);
        auto stream = TRY(vm.tar_in(destination));
        TRY(pass_through(STDIN_FILENO, stream.get()));
        return VmTools::finish_tar_in(stream.get());
    }
    auto source = TRY(open_source(Side {}, source_path));
    auto plan = TRY(plan_target(source.path, source.directory, destination, [&vm](const std::string& path) { return vm.kind(path, true); }));
    TreeSource tree { .parent_fd = source.parent.get(), .name = source.path.name,
        .archive_name = plan.archive_name.empty() ? source.path.name : plan.archive_name, .contents_only = plan.archive_name.empty() };
    auto stream = TRY(vm.tar_in(plan.directory));
    TRY(write_tree_as_tar(tree, stream.get()));
    return VmTools::finish_tar_in(stream.get());
}

Result<void> from_root(int root_fd, const std::string& container_path, const std::string& destination)
{
    Side container { root_fd };
    auto source = TRY(open_source(container, container_path));
    if (destination == "-") {
        TreeSource tree { .parent_fd = source.parent.get(), .name = source.path.name, .archive_name = source.path.name,
            .contents_only = source.path.contents_only };
        return write_tree_as_tar(tree, STDOUT_FILENO);
    }
    auto target = TRY(choose_target(Side {}, source, destination));
    return copy_tree(std::move(source), std::move(target));
}

Result<void> to_root(int root_fd, const std::string& source_path, const std::string& container_path)
{
    Side container { root_fd };
    if (source_path == "-") {
        // docker cp - CONTAINER:DEST: a tar on standard input, unpacked into the directory DEST.
        auto destination = open_on(container, container_path, O_PATH | O_DIRECTORY);
        if (!destination.ok())
            return make_error("the destination {} must be a directory in the container", container_path);
        return extract_tar_beneath(STDIN_FILENO, destination.value().get());
    }
    auto source = TRY(open_source(Side {}, source_path));
    auto target = TRY(choose_target(container, source, container_path));
    return copy_tree(std::move(source), std::move(target));
}

// A stopped process container's root: its overlay (image layers and writable layer), mounted in a
// child of vmlet's with a mount namespace of its own, where `copy` runs. The mount goes with the
// child however it ends (SIGKILL of vmlet too: the child dies with it). Its volumes are not there.
Result<void> in_stopped_root(const std::string& store_root, const ContainerRecord& record, const std::function<Result<void>(int)>& copy)
{
    RootfsSpec rootfs;
    {
        auto store = TRY(image::Store::open(store_root));
        auto lock = TRY(store.lock_shared());
        rootfs.lower_dirs = image::overlay_lower_dirs(store, TRY(image::ImageIndex(store).find(record.image_id)));
    }
    auto containers = TRY(ContainerStore::open(store_root));
    rootfs.state_dir = containers.directory(record.id);
    // Its writable layer is mounted here alone: a start waits, and one under way is waited for by nobody.
    auto lock = TRY(lock_file(rootfs.state_dir + "/" + kStartLockFile, false));
    if (!lock)
        return make_error("container {} is starting: copy when it runs or has stopped", record.name);
    if (TRY(containers.find(record.id)).state == ContainerState::Running)
        return make_error("container {} started meanwhile: copy again", record.name);
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) < 0)
        return errno_error("pipe2");
    UniqueFd read_end(ends[0]), write_end(ends[1]);
    pid_t child = ::fork();
    if (child < 0)
        return errno_error("fork");
    if (child == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        read_end.reset();
        Result<void> done = make_error("cannot make a mount namespace for the copy");
        if (::unshare(CLONE_NEWNS) == 0 && ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0) {
            auto mounted = OverlayRootfs::mount(rootfs);
            UniqueFd root(mounted.ok() ? ::open(mounted.value().path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC) : -1);
            done = !mounted.ok() ? Result<void>(mounted.release_error()) : root.valid() ? copy(root.get()) : errno_error("cannot open the container's root");
        }
        if (!done.ok())
            (void)write_all(write_end.get(), std::span(reinterpret_cast<const uint8_t*>(done.error().message().data()), done.error().message().size()));
        ::_exit(done.ok() ? 0 : 1);
    }
    write_end.reset();
    auto said = read_to_end(read_end.get(), 4096);
    auto status = TRY(wait_process(child));
    if (status == 0)
        return {};
    auto message = said.ok() ? said.value() : std::string();
    return make_error("{}", message.empty() ? fmt::format("the copy ended with status {}", status) : message);
}

}

Result<void> copy_from_container(const std::string& store_root, const ContainerRecord& record, const std::string& container_path, const std::string& destination)
{
    if (record.isolation == Isolation::Vm)
        return copy_from_vm(record, container_path, destination);
    if (record.state != ContainerState::Running)
        return in_stopped_root(store_root, record, [&](int root) { return from_root(root, container_path, destination); });
    auto root = TRY(container_root(record));
    return from_root(root.get(), container_path, destination);
}

Result<void> copy_to_container(const std::string& store_root, const ContainerRecord& record, const std::string& source_path, const std::string& container_path)
{
    if (record.isolation == Isolation::Vm)
        return copy_to_vm(record, source_path, container_path);
    if (record.state != ContainerState::Running)
        return in_stopped_root(store_root, record, [&](int root) { return to_root(root, source_path, container_path); });
    auto root = TRY(container_root(record));
    return to_root(root.get(), source_path, container_path);
}

}
