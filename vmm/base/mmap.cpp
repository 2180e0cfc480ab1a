#include "vmm/base/mmap.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <cstdint>
#include <utility>

namespace vmlet {

Result<Mmap> Mmap::map(size_t size, int prot, int flags, int fd, const char* what)
{
    if (size == 0)
        return make_error("{}: cannot map zero bytes", what);
    void* address = ::mmap(nullptr, size, prot, flags, fd, 0);
    if (address == MAP_FAILED)
        return errno_error(fmt::format("{} of {} bytes", what, size));
    return Mmap(static_cast<uint8_t*>(address), size);
}

Result<Mmap> Mmap::file_private(int fd, uint64_t offset, size_t size)
{
    // Aligned as anonymous() is, so that what the guest writes can still come in huge pages.
    auto placed = TRY(anonymous(size));
    const uint64_t end = offset + size;
    const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    // Only the file's data is mapped over the anonymous memory; its holes stay anonymous. A hole
    // mapped from the file is read in as a page of the file's own on the first fault, a write
    // fault too (before the copy): on tmpfs that is shared memory that never goes away, charged to
    // the faulting process's memory cgroup besides its copy, so a VM restored from a sparse
    // snapshot there needed twice its RAM. lseek(2): SEEK_DATA and SEEK_HOLE; a filesystem
    // without them reports all of the file as data, which is the mapping of old.
    size_t extents = 0;
    for (uint64_t position = offset; position < end;) {
        off_t data = ::lseek(fd, static_cast<off_t>(position), SEEK_DATA);
        if (data < 0 && errno == ENXIO)
            break; // no data after `position`
        if (data < 0)
            return errno_error("lseek(SEEK_DATA) in a memory file");
        off_t hole = ::lseek(fd, data, SEEK_HOLE);
        if (hole < 0)
            return errno_error("lseek(SEEK_HOLE) in a memory file");
        uint64_t start = static_cast<uint64_t>(data) / page * page;
        uint64_t stop = std::min(end, (static_cast<uint64_t>(hole) + page - 1) / page * page);
        // A file of many small extents is mapped whole past kMaxExtents: every extent is a mapping
        // of its own, and a process has at most vm.max_map_count (65530 by default).
        if (++extents > kMaxExtents)
            stop = end;
        if (start >= end)
            break;
        void* mapped = ::mmap(placed.m_data + (start - offset), stop - start, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd,
            static_cast<off_t>(start));
        if (mapped == MAP_FAILED)
            return errno_error("mmap of a memory file");
        position = stop;
    }
    return placed;
}

Result<Mmap> Mmap::anonymous(size_t size)
{
    if (size == 0 || size > SIZE_MAX - kHugePageSize)
        return make_error("mmap of anonymous memory: cannot map {} bytes", size);
    // Reserve a huge page more than asked, then give back the unaligned head and the tail.
    auto reserved = TRY(map(size + kHugePageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, "mmap of anonymous memory"));
    auto start = reinterpret_cast<uintptr_t>(reserved.m_data);
    auto aligned = (start + kHugePageSize - 1) & ~uintptr_t(kHugePageSize - 1);
    if (aligned > start)
        ::munmap(reserved.m_data, aligned - start);
    auto end = start + size + kHugePageSize;
    if (end > aligned + size)
        ::munmap(reinterpret_cast<void*>(aligned + size), end - (aligned + size));
    reserved.m_data = nullptr; // its pieces are unmapped above or owned by the result
    return Mmap(reinterpret_cast<uint8_t*>(aligned), size);
}

Result<Mmap> Mmap::map_file_readonly(int fd, size_t size)
{
    return map(size, PROT_READ, MAP_PRIVATE, fd, "mmap of a file");
}

Result<Mmap> Mmap::map_shared(int fd, size_t size)
{
    return map(size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, "mmap of a shared area");
}

Mmap::~Mmap()
{
    release();
}

Mmap::Mmap(Mmap&& other) noexcept
    : m_data(std::exchange(other.m_data, nullptr))
    , m_size(std::exchange(other.m_size, 0))
{
}

Mmap& Mmap::operator=(Mmap&& other) noexcept
{
    if (this != &other) {
        release();
        m_data = std::exchange(other.m_data, nullptr);
        m_size = std::exchange(other.m_size, 0);
    }
    return *this;
}

void Mmap::release()
{
    if (m_data)
        ::munmap(m_data, m_size);
    m_data = nullptr;
    m_size = 0;
}

}
