#include "vmm/base/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace vmlet {

Result<UniqueFd> open_file(const std::string& path, int flags)
{
    int fd = ::open(path.c_str(), flags | O_CLOEXEC);
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

}
