#include "containers/runtime/rotating_file.h"

#include "vmm/base/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

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
    while (!bytes.empty()) {
        uint64_t room = m_limits.max_bytes - std::min(m_size, m_limits.max_bytes);
        auto piece = bytes.substr(0, room);
        if (piece.size() < bytes.size()) {
            // What fits, up to its last newline: a line is never split between two generations.
            auto newline = piece.rfind('\n');
            if (newline != std::string_view::npos)
                piece = piece.substr(0, newline + 1);
            else if (m_size > 0)
                piece = {}; // a fresh file first
        }
        if (!piece.empty()) {
            if (!m_fd.valid())
                return;
            (void)write_all(m_fd.get(), std::span(reinterpret_cast<const uint8_t*>(piece.data()), piece.size()));
            m_size += piece.size();
            bytes.remove_prefix(piece.size());
        }
        if (!bytes.empty())
            rotate();
    }
}

// PATH.<n-2> becomes PATH.<n-1> (the oldest goes), ..., PATH becomes PATH.1, and a new PATH starts.
// A reader that follows the log (container_log.cpp) finds the file it read on as PATH.1.
void RotatingFile::rotate()
{
    if (m_limits.max_files == 1) {
        // A file that cannot be emptied is written no more: the limit holds before the log.
        if (::ftruncate(m_fd.get(), 0) < 0)
            m_fd = UniqueFd();
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
