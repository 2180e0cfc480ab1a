#include "containers/runtime/rootfs_path.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace vmlet {

namespace {

int raw_open_in_root(int root_fd, const std::string& path, int flags, mode_t mode)
{
    struct open_how how {};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
    how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    long fd;
    do
        fd = ::syscall(SYS_openat2, root_fd, path.c_str(), &how, sizeof how);
    while (fd < 0 && errno == EAGAIN);
    return static_cast<int>(fd);
}

// "a/b/c" -> ("a/b", "c"); the parent of a top-level name is ".".
std::pair<std::string, std::string> split_parent(std::string_view path)
{
    while (!path.empty() && path.back() == '/')
        path.remove_suffix(1);
    auto slash = path.rfind('/');
    if (slash == std::string_view::npos)
        return { ".", std::string(path) };
    auto parent = path.substr(0, slash);
    return { parent.empty() ? "/" : std::string(parent), std::string(path.substr(slash + 1)) };
}

}

Result<UniqueFd> open_in_root(int root_fd, std::string_view path, int flags, mode_t mode)
{
    int fd = raw_open_in_root(root_fd, std::string(path), flags, mode);
    if (fd < 0)
        return errno_error(fmt::format("cannot open {} in the container", path));
    return UniqueFd(fd);
}

Result<UniqueFd> make_directories_in_root(int root_fd, std::string_view path, mode_t mode)
{
    auto current = TRY(open_in_root(root_fd, "/", O_PATH | O_DIRECTORY));
    std::string prefix;
    size_t start = 0;
    while (start < path.size()) {
        auto end = path.find('/', start);
        if (end == std::string_view::npos)
            end = path.size();
        auto component = std::string(path.substr(start, end - start));
        start = end + 1;
        if (component.empty() || component == ".")
            continue;
        prefix += "/" + component;
        int fd = raw_open_in_root(root_fd, prefix, O_PATH | O_DIRECTORY, 0);
        if (fd < 0 && errno == ENOENT) {
            // Only a plain name is created, in a directory already resolved inside the root.
            if (::mkdirat(current.get(), component.c_str(), mode) < 0 && errno != EEXIST)
                return errno_error(fmt::format("cannot create {} in the container", prefix));
            fd = raw_open_in_root(root_fd, prefix, O_PATH | O_DIRECTORY, 0);
        }
        if (fd < 0)
            return errno_error(fmt::format("cannot open directory {} in the container", prefix));
        current = UniqueFd(fd);
    }
    return current;
}

Result<UniqueFd> make_file_in_root(int root_fd, std::string_view path)
{
    auto [parent_path, name] = split_parent(path);
    auto parent = TRY(make_directories_in_root(root_fd, parent_path, 0755));
    int fd = raw_open_in_root(root_fd, std::string(path), O_RDONLY | O_CREAT | O_NOCTTY, 0644);
    if (fd < 0 && errno == ENOENT) {
        struct stat st {};
        if (::fstatat(parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
            if (::unlinkat(parent.get(), name.c_str(), 0) < 0)
                return errno_error(fmt::format("cannot replace the dangling symlink {} in the container", path));
            fd = raw_open_in_root(root_fd, std::string(path), O_RDONLY | O_CREAT | O_NOCTTY, 0644);
        }
    }
    if (fd < 0)
        return errno_error(fmt::format("cannot create {} in the container", path));
    UniqueFd file(fd);
    struct stat st {};
    if (::fstat(file.get(), &st) < 0)
        return errno_error(fmt::format("cannot stat {} in the container", path));
    if (!S_ISREG(st.st_mode))
        return make_error("{} in the container is not a regular file", path);
    return file;
}

Result<std::string> host_path_of(int fd)
{
    char buffer[4096];
    auto link = fmt::format("/proc/self/fd/{}", fd);
    ssize_t length = ::readlink(link.c_str(), buffer, sizeof buffer);
    if (length < 0)
        return errno_error(fmt::format("cannot read {}", link));
    if (static_cast<size_t>(length) == sizeof buffer)
        return make_error("the path behind {} is too long", link);
    return std::string(buffer, static_cast<size_t>(length));
}

Result<std::optional<std::string>> read_file_in_root(int root_fd, std::string_view path, size_t limit)
{
    // O_NONBLOCK: an image's /etc/passwd may be a FIFO, whose open would wait for a writer forever.
    int fd = raw_open_in_root(root_fd, std::string(path), O_RDONLY | O_NOCTTY | O_NONBLOCK, 0);
    if (fd < 0 && errno == ENOENT)
        return std::optional<std::string>();
    if (fd < 0)
        return errno_error(fmt::format("cannot open {} in the container", path));
    UniqueFd file(fd);
    // Only a regular file is read: anything else (a FIFO, a device, a socket) counts as absent.
    struct stat status {};
    if (::fstat(file.get(), &status) < 0)
        return errno_error(fmt::format("cannot read {} in the container", path));
    if (!S_ISREG(status.st_mode))
        return std::optional<std::string>();
    std::string bytes;
    char buffer[16384];
    for (;;) {
        ssize_t count = ::read(file.get(), buffer, sizeof buffer);
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0)
            return errno_error(fmt::format("cannot read {} in the container", path));
        if (count == 0)
            return std::optional<std::string>(std::move(bytes));
        bytes.append(buffer, static_cast<size_t>(count));
        if (bytes.size() > limit)
            return make_error("{} in the container is larger than {} bytes", path, limit);
    }
}

}
