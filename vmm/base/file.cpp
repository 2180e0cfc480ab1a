#include "vmm/base/file.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace vmlet {

Result<UniqueFd> open_file(const std::string& path, int flags, mode_t mode)
{
    int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
    if (fd < 0)
        return errno_error(fmt::format("cannot open {}", path));
    return UniqueFd(fd);
}

Result<MappedFile> MappedFile::open(const std::string& path)
{
    auto fd = TRY(open_file(path, O_RDONLY));
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0)
        return errno_error(fmt::format("cannot stat {}", path));
    if (!S_ISREG(st.st_mode))
        return make_error("{} is not a regular file", path);
    if (st.st_size == 0)
        return make_error("{} is empty", path);
    auto map = TRY_CONTEXT(Mmap::map_file_readonly(fd.get(), static_cast<size_t>(st.st_size)), path);
    return MappedFile(path, std::move(map));
}

Result<void> write_all(int fd, std::span<const uint8_t> bytes)
{
    while (!bytes.empty()) {
        ssize_t written = ::write(fd, bytes.data(), bytes.size());
        if (written < 0) {
            if (errno == EINTR)
                continue;
            return errno_error("write");
        }
        bytes = bytes.subspan(static_cast<size_t>(written));
    }
    return {};
}

Result<std::string> read_to_end(int fd, size_t limit)
{
    std::string bytes;
    char buffer[4096];
    for (;;) {
        ssize_t count = ::read(fd, buffer, sizeof buffer);
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0)
            return errno_error("read");
        if (count == 0)
            return bytes;
        bytes.append(buffer, std::min(static_cast<size_t>(count), limit - std::min(limit, bytes.size())));
    }
}

Result<std::optional<UniqueFd>> lock_file(const std::string& path, bool wait)
{
    auto fd = TRY(open_file(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    while (::flock(fd.get(), LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
        if (errno == EWOULDBLOCK && !wait)
            return std::optional<UniqueFd>();
        if (errno != EINTR)
            return errno_error(fmt::format("cannot lock {}", path));
    }
    return std::optional(std::move(fd));
}

Result<std::string> read_at_most(int fd, size_t limit, std::string_view what)
{
    std::string bytes;
    char buffer[1 << 16];
    for (;;) {
        ssize_t count = ::read(fd, buffer, sizeof buffer);
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0)
            return errno_error(fmt::format("cannot read {}", what));
        if (count == 0)
            return bytes;
        bytes.append(buffer, static_cast<size_t>(count));
        if (bytes.size() > limit)
            return make_error("{} is larger than {} bytes", what, limit);
    }
}

Result<std::string> read_small_file(const std::string& path, size_t limit)
{
    auto fd = TRY(open_file(path, O_RDONLY));
    return read_at_most(fd.get(), limit, path);
}

Result<void> replace_file(const std::string& path, std::string_view bytes)
{
    auto temporary = fmt::format("{}.tmp-{}", path, ::getpid());
    {
        auto fd = TRY(open_file(temporary, O_WRONLY | O_CREAT | O_TRUNC));
        auto written = write_all(fd.get(), std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
        if (!written.ok()) {
            ::unlink(temporary.c_str());
            return written.release_error().with_context(path);
        }
    }
    if (::rename(temporary.c_str(), path.c_str()) < 0) {
        int error = errno;
        ::unlink(temporary.c_str());
        return errno_error(fmt::format("cannot replace {}", path), error);
    }
    return {};
}

namespace {

int remove_entry(const char* path, const struct stat*, int type, struct FTW*)
{
    return (type == FTW_DP ? ::rmdir(path) : ::unlink(path)) < 0 ? errno : 0;
}

}

Result<void> remove_tree_on_one_file_system(const std::string& path)
{
    struct stat status {};
    if (::lstat(path.c_str(), &status) < 0)
        return errno == ENOENT ? Result<void>() : errno_error(fmt::format("cannot remove {}", path));
    // Depth first, links not followed, and nothing on another device visited: a mount point's
    // own directory is left, and so its parent's rmdir fails with ENOTEMPTY.
    int failed = ::nftw(path.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
    if (failed > 0)
        return Error(fmt::format("cannot remove {}: {}", path, std::strerror(failed)), failed);
    if (failed < 0)
        return errno_error(fmt::format("cannot remove {}", path));
    return {};
}

}
