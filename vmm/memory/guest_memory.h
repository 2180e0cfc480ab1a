#pragma once

#include "vmm/base/mmap.h"
#include "vmm/base/result.h"
#include "vmm/memory/guest_address.h"

#include <cstring>
#include <span>
#include <type_traits>
#include <vector>

namespace vmlet {

// How guest RAM is backed. Measured in scripts/bench/boot.sh; see README.
enum class MemoryBacking {
    Plain,      // anonymous pages, faulted in 4 KiB at a time on first touch
    HugePages,  // anonymous, with MADV_HUGEPAGE so first touches fault in 2 MiB at a time
    Populate,   // every page faulted in up front (fast guest, slow start, full RSS)
};

struct GuestRegion {
    GuestAddress start;
    uint64_t size;
    Mmap map;

    uint64_t end() const { return start.value() + size; } // exclusive
};

// Guest RAM: the only way to touch it. Every access is range-checked against one region, with
// overflow-checked arithmetic, before a host pointer is formed.
class GuestMemory {
public:
    struct RegionSpec {
        GuestAddress start;
        uint64_t size;
    };

    static Result<GuestMemory> create(const std::vector<RegionSpec>& specs, MemoryBacking backing);
    // Guest RAM from a memory file (a snapshot's), the regions one after another in it by guest
    // address: mapped private, so that VMs restored from one file share its pages until they
    // write them.
    static Result<GuestMemory> map_file(std::vector<RegionSpec> specs, int fd);

    // A span of exactly `length` bytes at `address`, or an error if any byte lies outside RAM.
    Result<std::span<uint8_t>> span(GuestAddress address, uint64_t length) const;
    bool contains(GuestAddress address, uint64_t length) const;

    Result<void> write(GuestAddress address, std::span<const uint8_t> bytes) const;
    Result<void> read(GuestAddress address, std::span<uint8_t> bytes) const;
    Result<void> fill(GuestAddress address, uint8_t value, uint64_t length) const;

    template<typename T>
    Result<void> write_object(GuestAddress address, const T& object) const
    {
        static_assert(std::is_trivially_copyable_v<T>);
        return write(address, std::as_bytes(std::span(&object, 1)));
    }

    template<typename T>
    Result<T> read_object(GuestAddress address) const
    {
        static_assert(std::is_trivially_copyable_v<T>);
        T object;
        TRY(read(address, std::as_writable_bytes(std::span(&object, 1))));
        return object;
    }

    const std::vector<GuestRegion>& regions() const { return m_regions; }
    uint64_t total_size() const;

private:
    explicit GuestMemory(std::vector<GuestRegion> regions)
        : m_regions(std::move(regions))
    {
    }

    Result<void> write(GuestAddress address, std::span<const std::byte> bytes) const;
    Result<void> read(GuestAddress address, std::span<std::byte> bytes) const;
    const GuestRegion* find_region(GuestAddress address, uint64_t length) const;

    std::vector<GuestRegion> m_regions;
};

}
