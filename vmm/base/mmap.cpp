#include "vmm/base/mmap.h"

#include <sys/mman.h>

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
    void* mapped = ::mmap(placed.m_data, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, static_cast<off_t>(offset));
    if (mapped == MAP_FAILED)
        return errno_error("mmap of a memory file");
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
