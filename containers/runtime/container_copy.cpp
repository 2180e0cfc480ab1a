#include "containers/runtime/container_copy.h"

#include "containers/runtime/copy/tar_extractor.h"
#include "containers/runtime/copy/tree_tar_writer.h"
#include "containers/runtime/rootfs_path.h"
#include "vmm/base/unique_fd.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

// Where the tar of `source` unpacks, and under which top name (docker cp's table).
struct Target {
    UniqueFd directory;
    std::string archive_name; // empty: the source's contents go straight into `directory`
};

Result<Target> choose_target(const Side& side, const Source& source, const std::string& destination)
{
    auto dest = split(destination);
    auto existing = open_on(side, destination, O_PATH);
    struct stat status {};
    bool exists = existing.ok() && ::fstat(existing.value().get(), &status) == 0;
    if (exists && S_ISDIR(status.st_mode)) {
        auto into = TRY(open_on(side, destination, O_PATH | O_DIRECTORY));
        if (source.path.contents_only)
            return Target { std::move(into), {} };
        return Target { std::move(into), source.path.name };
    }
    if (exists && source.directory)
        return make_error("cannot copy a directory to a file: {}", destination);
    if (!exists && dest.trailing_slash)
        return make_error("the destination directory {} does not exist", destination);
    if (dest.name == "." || dest.name == ".." || dest.contents_only)
        return make_error("the destination {} is not a directory", destination);
    if (source.path.contents_only && !source.directory)
        return make_error("cannot copy the contents of a file");
    // A new (or replaced) file or directory under the name the destination gives it.
    auto parent = open_on(side, dest.parent, O_PATH | O_DIRECTORY);
    if (!parent.ok())
        return make_error("the destination directory {} does not exist", dest.parent);
    return Target { parent.release_value(), dest.name };
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

Result<UniqueFd> container_root(const ContainerRecord& record)
{
    if (record.isolation == Isolation::Vm)
        return make_error("vmlet cp does not reach into VM containers yet ({})", record.name);
    if (record.state != ContainerState::Running || !monitor_alive(record) || record.container_pid <= 0)
        return make_error("container {} is not running: vmlet cp needs it running for now", record.name);
    // The container's root as its first process sees it: its overlay and its volumes.
    UniqueFd root(::open(fmt::format("/proc/{}/root", record.container_pid).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root.valid())
        return errno_error(fmt::format("cannot reach the root of container {}", record.name));
    return root;
}

}

Result<void> copy_from_container(const ContainerRecord& record, const std::string& container_path, const std::string& destination)
{
    auto root = TRY(container_root(record));
    Side container { root.get() };
    auto source = TRY(open_source(container, container_path));
    if (destination == "-") {
        TreeSource tree { .parent_fd = source.parent.get(), .name = source.path.name, .archive_name = source.path.name,
            .contents_only = source.path.contents_only };
        return write_tree_as_tar(tree, STDOUT_FILENO);
    }
    auto target = TRY(choose_target(Side {}, source, destination));
    return copy_tree(std::move(source), std::move(target));
}

Result<void> copy_to_container(const ContainerRecord& record, const std::string& source_path, const std::string& container_path)
{
    auto root = TRY(container_root(record));
    Side container { root.get() };
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

}
