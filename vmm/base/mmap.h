#pragma once

#include "vmm/base/result.h"

#include <cstddef>
#include <cstdint>
#include <span>

namespace vmlet {

// Owns one mmap'd range and unmaps it on destruction. Move-only.
class Mmap {
public:
    // Anonymous private read-write memory, starting on a 2 MiB boundary: KVM can map a
    // transparent huge page into a guest only where guest-physical and host-virtual addresses
    // agree modulo 2 MiB, and mmap alone only aligns to 4 KiB.
    static Result<Mmap> anonymous(size_t size);
    static constexpr size_t kHugePageSize = 2 << 20;
    // `size` bytes of a file from `offset` (a multiple of the page size), private and writable:
    // writes go to copies of the pages (copy-on-write), so any number of mappings share the file's
    // page cache until they write. The file's holes are anonymous memory, zero until written.
    // Placed on a 2 MiB boundary, as anonymous().
    static Result<Mmap> file_private(int fd, uint64_t offset, size_t size);
    static constexpr size_t kMaxExtents = 16384;
    // A read-only private view of a whole file (or of `size` bytes of it).
    static Result<Mmap> map_file_readonly(int fd, size_t size);
    // A shared mapping of a file descriptor (e.g. a vCPU's kvm_run area).
    static Result<Mmap> map_shared(int fd, size_t size);

    Mmap() = default;
    ~Mmap();
    Mmap(Mmap&& other) noexcept;
    Mmap& operator=(Mmap&& other) noexcept;
    Mmap(const Mmap&) = delete;
    Mmap& operator=(const Mmap&) = delete;

    uint8_t* data() const { return m_data; }
    size_t size() const { return m_size; }
    std::span<uint8_t> bytes() const { return { m_data, m_size }; }

private:
    Mmap(uint8_t* data, size_t size)
        : m_data(data)
        , m_size(size)
    {
    }
    static Result<Mmap> map(size_t size, int prot, int flags, int fd, const char* what);
    void release();

    uint8_t* m_data { nullptr };
    size_t m_size { 0 };
};

}
