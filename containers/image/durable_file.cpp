#include "containers/image/durable_file.h"

#include "vmm/base/file.h"
#include "vmm/base/unique_fd.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace vmlet::image {

namespace {

std::string directory_of(const std::string& path)
{
    auto slash = path.rfind('/');
    if (slash == std::string::npos)
        return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

}

Result<void> sync_path(const std::string& path)
{
    auto fd = TRY(open_file(path, O_RDONLY));
    if (::fsync(fd.get()) < 0)
        return errno_error(fmt::format("cannot sync {}", path));
    return {};
}

Result<void> rename_durably(const std::string& from, const std::string& to)
{
    if (::rename(from.c_str(), to.c_str()) < 0)
        return errno_error(fmt::format("cannot rename {} to {}", from, to));
    return sync_path(directory_of(to));
}

Result<void> write_file_durably(const std::string& path, std::string_view bytes, mode_t mode)
{
    // Unique within the process too: two threads may replace one file.
    static std::atomic<unsigned> counter { 0 };
    auto temporary = fmt::format("{}.tmp-{}-{}", path, ::getpid(), counter++);
    auto written = [&]() -> Result<void> {
        // Created with `mode` (less the umask) rather than open_file's 0644: another process
        // could open a credentials file in the moment before a later chmod.
        UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
        if (!fd.valid())
            return errno_error(fmt::format("cannot create {}", temporary));
        if (::fchmod(fd.get(), mode) < 0)
            return errno_error(fmt::format("cannot set the mode of {}", temporary));
        TRY(write_all(fd.get(), std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())));
        if (::fsync(fd.get()) < 0)
            return errno_error(fmt::format("cannot sync {}", temporary));
        return {};
    }();
    if (written.ok())
        written = rename_durably(temporary, path);
    if (!written.ok()) {
        ::unlink(temporary.c_str());
        return written.release_error().with_context(path);
    }
    return {};
}

}
