#include "containers/image/layer_unpacker.h"

#include "vmm/base/file.h"
#include "vmm/base/unique_fd.h"
#include "containers/image/tar_stream.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

// OCI image spec layer.md: "Applying Changesets" and "Representing Changes" (whiteouts), written
// out as an overlayfs lower directory (Documentation/filesystems/overlayfs.rst "whiteouts and
// opaque directories"). The layer is hostile input: every file is created with an *at() call
// relative to a directory opened component by component with O_NOFOLLOW, so no symlink, whether
// in the layer or planted by an earlier entry, is ever followed.
namespace vmlet::image {

namespace {

constexpr size_t kMaxPathLength = 4096; // PATH_MAX: no real file has a longer name
constexpr size_t kMaxComponentLength = 255; // NAME_MAX
// Deep enough for any real image; it bounds the recursion and open fds of remove_tree.
constexpr size_t kMaxDepth = 256;
constexpr size_t kCopyBufferSize = 64 * 1024;
constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kWhiteoutMetaPrefix = ".wh..wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";
constexpr const char* kOpaqueXattr = "trusted.overlay.opaque";

using Components = std::vector<std::string>;

// An entry name as it goes into an error message: quoted, on one line, and not too long.
std::string quoted(std::string_view name)
{
    constexpr size_t kShown = 160;
    std::string text = "\"";
    for (size_t index = 0; index < name.size() && index < kShown; ++index) {
        auto byte = static_cast<unsigned char>(name[index]);
        if (byte == '"' || byte == '\\')
            text += fmt::format("\\{}", char(byte));
        else if (byte < 0x20 || byte == 0x7f)
            text += fmt::format("\\x{:02x}", byte);
        else
            text += char(byte);
    }
    if (name.size() > kShown)
        text += "...";
    return text + "\"";
}

std::string joined(const Components& components, size_t count)
{
    std::string path;
    for (size_t index = 0; index < count; ++index)
        path += (index ? "/" : "") + components[index];
    return path;
}

// Splits a name from the tar into its components, dropping "." and empty ones (a leading "./",
// "a//b", a trailing "/"). Returns the reason when the name cannot be a path inside the layer.
std::variant<Components, std::string> split(std::string_view name)
{
    if (name.empty())
        return std::string("it has an empty name");
    if (name.size() > kMaxPathLength)
        return fmt::format("its name is longer than {} bytes", kMaxPathLength);
    if (name.front() == '/')
        return std::string("it is an absolute path; layer paths are relative to the root");
    Components components;
    size_t start = 0;
    while (start <= name.size()) {
        size_t end = std::min(name.find('/', start), name.size());
        auto component = name.substr(start, end - start);
        start = end + 1;
        if (component.empty() || component == ".")
            continue;
        if (component == "..")
            return std::string("it climbs out of the root with \"..\"");
        if (component.size() > kMaxComponentLength)
            return fmt::format("a component of its name is longer than {} bytes", kMaxComponentLength);
        if (components.size() == kMaxDepth)
            return fmt::format("it is nested deeper than {} directories", kMaxDepth);
        components.emplace_back(component);
    }
    return components;
}

// "blobs/sha256/<hex>" reads as "sha256:<12 hex>", as `docker images` shortens ids; other paths
// (a member of a `docker save` archive, a test's file) as themselves.
std::string layer_label(std::string_view blob_path)
{
    auto slash = blob_path.rfind('/');
    auto name = slash == std::string_view::npos ? blob_path : blob_path.substr(slash + 1);
    auto directory = slash == std::string_view::npos ? std::string_view() : blob_path.substr(0, slash);
    bool hex = name.size() == 64 && name.find_first_not_of("0123456789abcdef") == std::string_view::npos;
    if (hex && (directory == "sha256" || directory.ends_with("/sha256")))
        return fmt::format("sha256:{}", name.substr(0, 12));
    return std::string(blob_path);
}

enum class Create {
    No,
    MissingParents,
};

// Counts a layer's entries and the bytes its files will take against ImageLimits, at each
// header, so nothing over a cap is written. A sparse entry counts at its full size: its holes are
// read, and written, as zeros.
class LayerBudget {
public:
    explicit LayerBudget(const ImageLimits& limits)
        : m_limits(limits)
    {
    }

    Result<void> admit(archive_entry* entry)
    {
        if (++m_entries > m_limits.layer_entries)
            return make_error("it holds more than {} entries, the cap {} sets", m_limits.layer_entries, kMaxLayerEntriesVariable);
        if (archive_entry_filetype(entry) != AE_IFREG || archive_entry_hardlink(entry))
            return {};
        auto size = uint64_t(std::max<la_int64_t>(archive_entry_size(entry), 0));
        if (size > m_limits.layer_bytes - m_file_bytes)
            return make_error("its files come to more than {} bytes, the cap {} sets", m_limits.layer_bytes, kMaxLayerSizeVariable);
        m_file_bytes += size;
        return {};
    }

private:
    const ImageLimits& m_limits;
    uint64_t m_entries { 0 };
    uint64_t m_file_bytes { 0 };
};

class Unpacker {
public:
    explicit Unpacker(UniqueFd root)
        : m_root(std::move(root))
        , m_buffer(kCopyBufferSize)
    {
    }

    Result<void> apply(TarStream& stream, archive_entry* entry);
    // Directory mtimes last: creating their children changed them (layer.md "Applying Changesets").
    Result<void> restore_directory_times();

private:
    struct DirectoryTimes {
        std::string path;
        timespec times[2];
    };

    Result<void> apply_whiteout(const Components& path);
    Result<void> apply_hardlink(int parent, const std::string& name, archive_entry* entry);
    Result<void> apply_directory(const Components& path, int parent, const std::string& name, archive_entry* entry);
    Result<void> apply_file(TarStream& stream, int parent, const std::string& name, archive_entry* entry);

    // The directory holding the last component of `path`, borrowed from a one-entry cache: tar
    // writers list a directory's files together, so most entries reuse the previous walk.
    Result<int> parent_of(const Components& path, Create create);
    Result<UniqueFd> walk(const Components& path, size_t count, Create create) const;
    // Makes room for a new node `name` in `parent`: removes what is there, unless it is a
    // directory and `keep` says a directory may stay (a directory entry after its children).
    enum class KeepDirectory {
        No,
        Yes
    };
    Result<bool> clear(int parent, const std::string& name, KeepDirectory keep);
    Result<void> remove_tree(int parent, const std::string& name, size_t depth);
    Result<void> set_owner_and_mode(int fd, archive_entry* entry) const;
    Result<void> set_xattrs(int fd, archive_entry* entry) const;

    Error refuse(std::string_view reason) const { return make_error("refused entry {}: {}", m_quoted, reason); }
    Error failed(std::string_view what, int err) const { return errno_error(fmt::format("entry {}: {}", m_quoted, what), err); }

    UniqueFd m_root;
    std::string m_cached_path;
    UniqueFd m_cached_directory;
    std::vector<DirectoryTimes> m_directory_times;
    std::vector<uint8_t> m_buffer;
    std::string m_quoted; // the current entry's name, for errors
};

std::optional<timespec> entry_time(time_t seconds, long nanoseconds, bool set)
{
    if (!set)
        return std::nullopt;
    return timespec { .tv_sec = seconds, .tv_nsec = nanoseconds >= 0 && nanoseconds < 1'000'000'000 ? nanoseconds : 0 };
}

// atime and mtime for utimensat; an unset mtime leaves the time of unpacking.
void entry_times(archive_entry* entry, timespec (&times)[2])
{
    auto mtime = entry_time(archive_entry_mtime(entry), archive_entry_mtime_nsec(entry), archive_entry_mtime_is_set(entry));
    auto atime = entry_time(archive_entry_atime(entry), archive_entry_atime_nsec(entry), archive_entry_atime_is_set(entry));
    times[1] = mtime.value_or(timespec { .tv_sec = 0, .tv_nsec = UTIME_OMIT });
    times[0] = atime.value_or(times[1]);
}

Result<void> Unpacker::apply(TarStream& stream, archive_entry* entry)
{
    // The multibyte form is the name's bytes as the tar holds them; a pax UTF-8 name this
    // locale cannot express comes only in UTF-8, which is what a Linux file name is anyway.
    const char* raw_name = archive_entry_pathname(entry);
    if (!raw_name)
        raw_name = archive_entry_pathname_utf8(entry);
    std::string_view name = raw_name ? raw_name : "";
    m_quoted = quoted(name);
    auto parsed = split(name);
    if (auto* reason = std::get_if<std::string>(&parsed))
        return refuse(*reason);
    const auto& path = std::get<Components>(parsed);

    bool hardlink = archive_entry_hardlink(entry) != nullptr;
    auto type = archive_entry_filetype(entry);
    if (path.empty()) {
        // "./" itself: the root's owner, mode and times.
        if (hardlink || type != AE_IFDIR)
            return refuse("it names the root but is not a directory");
        TRY(set_owner_and_mode(m_root.get(), entry));
        TRY(set_xattrs(m_root.get(), entry));
        DirectoryTimes record { .path = "", .times = {} };
        entry_times(entry, record.times);
        m_directory_times.push_back(record);
        return {};
    }
    if (path.back().starts_with(kWhiteoutPrefix))
        return apply_whiteout(path);

    if (!hardlink && (type == AE_IFCHR || type == AE_IFBLK)) {
        return refuse(fmt::format("it is a {} device node {}:{}; a layer may not create devices",
            type == AE_IFCHR ? "character" : "block", archive_entry_rdevmajor(entry), archive_entry_rdevminor(entry)));
    }
    if (!hardlink && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK && type != AE_IFIFO)
        return refuse(fmt::format("it has file type {:o}, which a layer may not hold", unsigned(type)));

    int parent = TRY(parent_of(path, Create::MissingParents));
    const std::string& leaf = path.back();
    if (hardlink)
        return apply_hardlink(parent, leaf, entry);
    if (type == AE_IFDIR)
        return apply_directory(path, parent, leaf, entry);
    if (type == AE_IFREG)
        return apply_file(stream, parent, leaf, entry);

    TRY(clear(parent, leaf, KeepDirectory::No));
    if (type == AE_IFLNK) {
        // The target is stored as it is: a symlink is only dangerous when followed, which
        // nothing here does, and overlayfs resolves it inside the container's root.
        const char* target = archive_entry_symlink(entry);
        if (!target)
            target = archive_entry_symlink_utf8(entry);
        if (!target || !*target)
            return refuse("it is a symlink with an empty target");
        if (strlen(target) > kMaxPathLength)
            return refuse(fmt::format("its symlink target is longer than {} bytes", kMaxPathLength));
        if (symlinkat(target, parent, leaf.c_str()) < 0)
            return failed("symlinkat", errno);
    } else if (mknodat(parent, leaf.c_str(), S_IFIFO | 0600, 0) < 0) {
        return failed("mknodat", errno);
    }
    auto uid = archive_entry_uid(entry);
    auto gid = archive_entry_gid(entry);
    if (uid < 0 || uid >= UINT32_MAX || gid < 0 || gid >= UINT32_MAX)
        return refuse(fmt::format("its owner {}:{} is not a valid uid:gid", uid, gid));
    if (fchownat(parent, leaf.c_str(), uid_t(uid), gid_t(gid), AT_SYMLINK_NOFOLLOW) < 0)
        return failed("fchownat", errno);
    // The node was just created by name in a directory nothing else writes to, so following
    // the name here reaches the fifo itself.
    if (type == AE_IFIFO && fchmodat(parent, leaf.c_str(), archive_entry_perm(entry) & 07777, 0) < 0)
        return failed("fchmodat", errno);
    timespec times[2];
    entry_times(entry, times);
    if (utimensat(parent, leaf.c_str(), times, AT_SYMLINK_NOFOLLOW) < 0)
        return failed("utimensat", errno);
    return {};
}

Result<void> Unpacker::apply_whiteout(const Components& path)
{
    const std::string& leaf = path.back();
    int parent = TRY(parent_of(path, Create::MissingParents));
    if (leaf == kOpaqueMarker) {
        if (fsetxattr(parent, kOpaqueXattr, "y", 1, 0) < 0)
            return failed("setting trusted.overlay.opaque", errno);
        return {};
    }
    // Other ".wh..wh." names are aufs bookkeeping (hardlink directories), not changes.
    if (leaf.starts_with(kWhiteoutMetaPrefix))
        return {};
    std::string hidden = leaf.substr(kWhiteoutPrefix.size());
    if (hidden.empty() || hidden == "." || hidden == "..")
        return refuse("it is a whiteout of no file");
    // layer.md "Whiteouts": a whiteout applies only to lower layers; a file of the same name in
    // this layer stays.
    struct stat existing;
    if (fstatat(parent, hidden.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0)
        return {};
    if (mknodat(parent, hidden.c_str(), S_IFCHR | 0, makedev(0, 0)) < 0)
        return failed("creating the whiteout device", errno);
    return {};
}

Result<void> Unpacker::apply_hardlink(int parent, const std::string& name, archive_entry* entry)
{
    const char* raw_target = archive_entry_hardlink(entry);
    std::string_view target_name = raw_target ? raw_target : "";
    auto parsed = split(target_name);
    if (auto* reason = std::get_if<std::string>(&parsed))
        return refuse(fmt::format("its hardlink target {} is outside the layer: {}", quoted(target_name), *reason));
    const auto& target = std::get<Components>(parsed);
    if (target.empty())
        return refuse("it is a hardlink to the root directory");
    // A hardlink names an entry earlier in this layer (layer.md "Hardlinks"); the destination
    // started empty, so whatever is there now came from this layer.
    auto target_parent = walk(target, target.size() - 1, Create::No);
    struct stat target_stat;
    if (!target_parent.ok() || fstatat(target_parent.value().get(), target.back().c_str(), &target_stat, AT_SYMLINK_NOFOLLOW) < 0)
        return refuse(fmt::format("its hardlink target {} is not an earlier entry of the layer", quoted(target_name)));
    if (S_ISDIR(target_stat.st_mode))
        return refuse(fmt::format("its hardlink target {} is a directory", quoted(target_name)));
    if (!S_ISREG(target_stat.st_mode) && !S_ISLNK(target_stat.st_mode) && !S_ISFIFO(target_stat.st_mode))
        return refuse(fmt::format("its hardlink target {} is a whiteout or special file", quoted(target_name)));

    struct stat existing;
    if (fstatat(parent, name.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0 && existing.st_dev == target_stat.st_dev
        && existing.st_ino == target_stat.st_ino)
        return {};
    TRY(clear(parent, name, KeepDirectory::No));
    if (linkat(target_parent.value().get(), target.back().c_str(), parent, name.c_str(), 0) < 0)
        return failed("linkat", errno);
    return {};
}

Result<void> Unpacker::apply_directory(const Components& path, int parent, const std::string& name, archive_entry* entry)
{
    bool exists = TRY(clear(parent, name, KeepDirectory::Yes));
    if (!exists && mkdirat(parent, name.c_str(), 0700) < 0)
        return failed("mkdirat", errno);
    UniqueFd directory(openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!directory.valid())
        return failed("opening the directory", errno);
    TRY(set_owner_and_mode(directory.get(), entry));
    TRY(set_xattrs(directory.get(), entry));
    DirectoryTimes record { .path = joined(path, path.size()), .times = {} };
    entry_times(entry, record.times);
    m_directory_times.push_back(std::move(record));
    return {};
}

Result<void> Unpacker::apply_file(TarStream& stream, int parent, const std::string& name, archive_entry* entry)
{
    // Always a new inode: writing into an existing name could write through a hardlink made by an
    // earlier entry.
    TRY(clear(parent, name, KeepDirectory::No));
    UniqueFd file(openat(parent, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!file.valid())
        return failed("creating the file", errno);
    for (;;) {
        size_t count = TRY_CONTEXT(stream.read_data(m_buffer), fmt::format("entry {}", m_quoted));
        if (count == 0)
            break;
        TRY_CONTEXT(write_all(file.get(), std::span<const uint8_t>(m_buffer.data(), count)), fmt::format("entry {}", m_quoted));
    }
    TRY(set_owner_and_mode(file.get(), entry));
    TRY(set_xattrs(file.get(), entry));
    timespec times[2];
    entry_times(entry, times);
    if (futimens(file.get(), times) < 0)
        return failed("futimens", errno);
    return {};
}

Result<void> Unpacker::set_owner_and_mode(int fd, archive_entry* entry) const
{
    auto uid = archive_entry_uid(entry);
    auto gid = archive_entry_gid(entry);
    if (uid < 0 || uid >= UINT32_MAX || gid < 0 || gid >= UINT32_MAX)
        return refuse(fmt::format("its owner {}:{} is not a valid uid:gid", uid, gid));
    if (fchown(fd, uid_t(uid), gid_t(gid)) < 0)
        return failed("fchown", errno);
    // After fchown, which clears setuid and setgid bits.
    if (fchmod(fd, archive_entry_perm(entry) & 07777) < 0)
        return failed("fchmod", errno);
    return {};
}

Result<void> Unpacker::set_xattrs(int fd, archive_entry* entry) const
{
    // File capabilities (ping, for one) and user attributes carry meaning in an image. Other
    // namespaces do not belong in a layer: trusted.overlay.* in particular would let a layer
    // redirect or hide files of the layers below it.
    archive_entry_xattr_reset(entry);
    const char* xattr_name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    while (archive_entry_xattr_next(entry, &xattr_name, &value, &size) == ARCHIVE_OK) {
        std::string_view key = xattr_name ? xattr_name : "";
        if (key != "security.capability" && !key.starts_with("user."))
            continue;
        if (fsetxattr(fd, xattr_name, value, size, 0) < 0)
            return failed(fmt::format("setting xattr {}", key), errno);
    }
    return {};
}

Result<int> Unpacker::parent_of(const Components& path, Create create)
{
    if (path.size() == 1)
        return m_root.get();
    std::string parent_path = joined(path, path.size() - 1);
    if (m_cached_directory.valid() && parent_path == m_cached_path)
        return m_cached_directory.get();
    m_cached_directory = TRY(walk(path, path.size() - 1, create));
    m_cached_path = std::move(parent_path);
    return m_cached_directory.get();
}

Result<UniqueFd> Unpacker::walk(const Components& path, size_t count, Create create) const
{
    UniqueFd current(fcntl(m_root.get(), F_DUPFD_CLOEXEC, 0));
    if (!current.valid())
        return failed("dup", errno);
    for (size_t index = 0; index < count; ++index) {
        const char* component = path[index].c_str();
        UniqueFd next(openat(current.get(), component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!next.valid() && errno == ENOENT && create == Create::MissingParents) {
            // layer.md leaves a directory's own entry optional; a missing one is made 0755.
            if (mkdirat(current.get(), component, 0755) < 0)
                return failed(fmt::format("creating the directory {}", quoted(joined(path, index + 1))), errno);
            next.reset(openat(current.get(), component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (next.valid() && fchmod(next.get(), 0755) < 0) // whatever the umask
                return failed("fchmod", errno);
        }
        if (!next.valid()) {
            int err = errno;
            struct stat node;
            auto parent_name = quoted(joined(path, index + 1));
            if (fstatat(current.get(), component, &node, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(node.st_mode))
                return refuse(fmt::format("its parent {} is a symlink", parent_name));
            if (err == ENOTDIR || err == ELOOP)
                return refuse(fmt::format("its parent {} is not a directory", parent_name));
            return failed(fmt::format("opening its parent {}", parent_name), err);
        }
        current = std::move(next);
    }
    return current;
}

Result<bool> Unpacker::clear(int parent, const std::string& name, KeepDirectory keep)
{
    struct stat existing;
    if (fstatat(parent, name.c_str(), &existing, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT)
            return false;
        return failed("fstatat", errno);
    }
    if (S_ISDIR(existing.st_mode)) {
        if (keep == KeepDirectory::Yes)
            return true;
        // The cached directory may be the one going, or inside it.
        m_cached_directory.reset();
        m_cached_path.clear();
        TRY(remove_tree(parent, name, 0));
        return false;
    }
    if (unlinkat(parent, name.c_str(), 0) < 0)
        return failed("unlinkat", errno);
    return false;
}

Result<void> Unpacker::remove_tree(int parent, const std::string& name, size_t depth)
{
    if (depth > kMaxDepth)
        return refuse("it replaces a directory nested too deep to remove");
    int fd = openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return failed("opening a directory to replace", errno);
    std::unique_ptr<DIR, int (*)(DIR*)> directory(fdopendir(fd), closedir);
    if (!directory) {
        close(fd);
        return failed("fdopendir", errno);
    }
    // Removing names while reading the directory may hide others from readdir; read again until
    // a pass finds nothing.
    for (bool removed_any = true; removed_any;) {
        removed_any = false;
        rewinddir(directory.get());
        while (dirent* child = readdir(directory.get())) {
            std::string child_name = child->d_name;
            if (child_name == "." || child_name == "..")
                continue;
            struct stat node;
            if (fstatat(fd, child->d_name, &node, AT_SYMLINK_NOFOLLOW) < 0)
                return failed("fstatat", errno);
            if (S_ISDIR(node.st_mode))
                TRY(remove_tree(fd, child_name, depth + 1));
            else if (unlinkat(fd, child->d_name, 0) < 0)
                return failed("unlinkat", errno);
            removed_any = true;
        }
    }
    if (unlinkat(parent, name.c_str(), AT_REMOVEDIR) < 0)
        return failed("removing a replaced directory", errno);
    return {};
}

Result<void> Unpacker::restore_directory_times()
{
    for (const auto& record : m_directory_times) {
        m_quoted = quoted(record.path);
        if (record.path.empty()) {
            if (futimens(m_root.get(), record.times) < 0)
                return failed("futimens", errno);
            continue;
        }
        auto parsed = split(record.path);
        const auto* path = std::get_if<Components>(&parsed);
        if (!path)
            continue;
        // A directory a later entry replaced (walk refuses a symlink or a file) keeps no times.
        auto directory = walk(*path, path->size(), Create::No);
        if (!directory.ok())
            continue;
        if (futimens(directory.value().get(), record.times) < 0)
            return failed("futimens", errno);
    }
    return {};
}

}

Result<UnpackedLayer> unpack_layer(const std::string& blob_path, const std::string& destination, const ImageLimits& limits)
{
    std::string label = fmt::format("layer {}", layer_label(blob_path));
    UniqueFd root(open(destination.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root.valid()) {
        int err = errno;
        return errno_error(fmt::format("{}: opening {}", label, destination), err);
    }
    auto stream = TRY_CONTEXT(TarStream::open(blob_path, limits.layer_bytes), label);
    Unpacker unpacker(std::move(root));
    LayerBudget budget(limits);
    for (;;) {
        auto* entry = TRY_CONTEXT(stream->next_entry(), label);
        if (!entry)
            break;
        TRY_CONTEXT(budget.admit(entry), label);
        TRY_CONTEXT(unpacker.apply(*stream, entry), label);
    }
    TRY_CONTEXT(unpacker.restore_directory_times(), label);
    return TRY_CONTEXT(stream->finish(), label);
}

}
