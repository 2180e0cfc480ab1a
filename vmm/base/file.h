#pragma once

#include "vmm/base/mmap.h"
#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"

#include <span>
#include <optional>
#include <string>
#include <string_view>

namespace vmlet {

// A read-only file mapped whole into memory: kernels and initramfs images are read this way, so
// their pages come from the page cache and cost no copy.
class MappedFile {
public:
    static Result<MappedFile> open(const std::string& path);

    std::span<const uint8_t> bytes() const { return { m_map.data(), m_map.size() }; }
    const std::string& path() const { return m_path; }

private:
    MappedFile(std::string path, Mmap map)
        : m_path(std::move(path))
        , m_map(std::move(map))
    {
    }

    std::string m_path;
    Mmap m_map;
};

// open(2) with O_CLOEXEC; a file it creates gets `mode` (less the umask).
Result<UniqueFd> open_file(const std::string& path, int flags, mode_t mode = 0644);

// Writes all of `bytes`, retrying on short writes and EINTR.
Result<void> write_all(int fd, std::span<const uint8_t> bytes);

// Reads `fd` to its end, keeping the first `limit` bytes and draining the rest, so that the writer
// (a child's pipe) never blocks on a reader that stopped taking its bytes.
Result<std::string> read_to_end(int fd, size_t limit);

// An exclusive flock(2) on the file at `path` (made when missing), held while the descriptor
// lives. Without `wait`, nullopt when another holds it.
Result<std::optional<UniqueFd>> lock_file(const std::string& path, bool wait = true);

// Reads `fd` to its end, refusing more than `limit` bytes (a peer that sends without end is an
// error, not a stall); `what` names it in errors.
Result<std::string> read_at_most(int fd, size_t limit, std::string_view what);

// Reads a whole small file (records, configs), refusing one larger than `limit` bytes.
Result<std::string> read_small_file(const std::string& path, size_t limit);

// Replaces `path` with `bytes` so that a reader sees either the old or the new content, never a
// mix: the bytes go to a temporary file beside it, which rename(2) then moves over it.
Result<void> replace_file(const std::string& path, std::string_view bytes);

// Removes the directory tree at `path` (missing: nothing to do) without ever crossing into another
// mounted file system (nftw(3), FTW_MOUNT): a mount left inside, such as an OCI bundle's root bound
// into a container's directory, makes the removal fail rather than be emptied through.
Result<void> remove_tree_on_one_file_system(const std::string& path);

}
