#include "containers/runtime/rotating_file.h"

#include "vmm/base/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vmlet {

namespace {

std::string generation(const std::string& path, unsigned number)
{
    return number == 0 ? path : fmt::format("{}.{}", path, number);
}

}

Result<std::unique_ptr<RotatingFile>> RotatingFile::open(std::string path, RotationLimits limits, mode_t mode)
{
    if (limits.max_bytes == 0 || limits.max_files == 0)
        return make_error("a log needs room for at least one byte in one file");
    auto fd = TRY(open_file(path, O_WRONLY | O_CREAT | O_APPEND, mode));
    struct stat status {};
    if (::fstat(fd.get(), &status) < 0)
        return errno_error(fmt::format("cannot stat {}", path));
    return std::unique_ptr<RotatingFile>(new RotatingFile(std::move(path), limits, mode, std::move(fd), uint64_t(status.st_size)));
}

RotatingFile::RotatingFile(std::string path, RotationLimits limits, mode_t mode, UniqueFd fd, uint64_t size)
    : m_path(std::move(path))
    , m_limits(limits)
    , m_mode(mode)
    , m_fd(std::move(fd))
    , m_size(size)
{
}

void RotatingFile::append(std::string_view bytes)
{
    std::lock_guard lock(m_mutex);
    if (m_size > 0 && m_size + bytes.size() > m_limits.max_bytes)
        rotate();
    if (!m_fd.valid())
        return;
    if (bytes.size() > m_limits.max_bytes)
        bytes = bytes.substr(0, m_limits.max_bytes);
    (void)write_all(m_fd.get(), std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    m_size += bytes.size();
}

// PATH.<n-2> becomes PATH.<n-1> (the oldest goes), ..., PATH becomes PATH.1, and a new PATH starts.
// A reader that follows the log (container_log.cpp) finds the file it read on as PATH.1.
void RotatingFile::rotate()
{
    if (m_limits.max_files == 1) {
        if (::ftruncate(m_fd.get(), 0) == 0)
            m_size = 0;
        return;
    }
    for (unsigned number = m_limits.max_files - 1; number > 0; number--)
        (void)::rename(generation(m_path, number - 1).c_str(), generation(m_path, number).c_str());
    auto fresh = open_file(m_path, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC, m_mode);
    m_fd = fresh.ok() ? fresh.release_value() : UniqueFd();
    m_size = 0;
}

std::vector<std::string> rotated_generations(const std::string& path, unsigned max_files)
{
    std::vector<std::string> found;
    for (unsigned number = max_files; number-- > 0;) {
        auto name = generation(path, number);
        if (::access(name.c_str(), F_OK) == 0)
            found.push_back(name);
    }
    return found;
}

}
