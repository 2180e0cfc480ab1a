#include "vmm/memory/guest_memory.h"

#include "vmm/base/checked_math.h"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>

namespace vmlet {

static Result<void> apply_backing(const Mmap& map, MemoryBacking backing)
{
    switch (backing) {
    case MemoryBacking::Plain:
        return {};
    case MemoryBacking::HugePages:
        // Best effort: without transparent huge pages the memory still works, only slower to fault.
        ::madvise(map.data(), map.size(), MADV_HUGEPAGE);
        return {};
    case MemoryBacking::Populate:
        ::madvise(map.data(), map.size(), MADV_HUGEPAGE);
        if (::madvise(map.data(), map.size(), MADV_POPULATE_WRITE) < 0)
            return errno_error("cannot populate guest memory");
        return {};
    }
    return {};
}

// Guest RAM holds whatever the guest keeps secret: a core dump of the monitor leaves it out
// (madvise(2), MADV_DONTDUMP), whatever the host's core settings are.
static Result<void> leave_out_of_core_dumps(const Mmap& map)
{
    if (::madvise(map.data(), map.size(), MADV_DONTDUMP) < 0)
        return errno_error("madvise(MADV_DONTDUMP) on guest memory");
    return {};
}

namespace {

Result<void> check_region(const GuestMemory::RegionSpec& spec, const std::vector<GuestRegion>& regions)
{
    if (spec.size == 0 || spec.size % 4096 != 0 || spec.start.value() % 4096 != 0)
        return make_error("guest memory region at {:#x} of {:#x} bytes is not page aligned", spec.start.value(), spec.size);
    auto end = checked_add(spec.start.value(), spec.size);
    if (!end)
        return make_error("guest memory region at {:#x} overflows the address space", spec.start.value());
    for (const auto& other : regions) {
        if (spec.start.value() < other.end() && other.start.value() < *end)
            return make_error("guest memory regions at {:#x} and {:#x} overlap", spec.start.value(), other.start.value());
    }
    return {};
}

}

Result<GuestMemory> GuestMemory::map_file(std::vector<RegionSpec> specs, int fd)
{
    // In the file as regions() lists them: by guest address.
    std::sort(specs.begin(), specs.end(), [](const auto& a, const auto& b) { return a.start < b.start; });
    std::vector<GuestRegion> regions;
    uint64_t offset = 0;
    for (const auto& spec : specs) {
        TRY(check_region(spec, regions));
        auto map = TRY_CONTEXT(Mmap::file_private(fd, offset, spec.size), "mapping guest memory");
        TRY(leave_out_of_core_dumps(map));
        regions.push_back(GuestRegion { spec.start, spec.size, std::move(map) });
        offset += spec.size;
    }
    std::sort(regions.begin(), regions.end(), [](const auto& a, const auto& b) { return a.start < b.start; });
    return GuestMemory(std::move(regions));
}

Result<GuestMemory> GuestMemory::create(const std::vector<RegionSpec>& specs, MemoryBacking backing)
{
    std::vector<GuestRegion> regions;
    for (const auto& spec : specs) {
        TRY(check_region(spec, regions));
        auto map = TRY_CONTEXT(Mmap::anonymous(spec.size), "allocating guest memory");
        TRY(apply_backing(map, backing));
        TRY(leave_out_of_core_dumps(map));
        regions.push_back(GuestRegion { spec.start, spec.size, std::move(map) });
    }
    std::sort(regions.begin(), regions.end(), [](const auto& a, const auto& b) { return a.start < b.start; });
    return GuestMemory(std::move(regions));
}

const GuestRegion* GuestMemory::find_region(GuestAddress address, uint64_t length) const
{
    auto end = checked_add(address.value(), length);
    if (!end)
        return nullptr;
    for (const auto& region : m_regions) {
        if (address.value() >= region.start.value() && *end <= region.end())
            return &region;
    }
    return nullptr;
}

bool GuestMemory::contains(GuestAddress address, uint64_t length) const
{
    return find_region(address, length) != nullptr;
}

Result<std::span<uint8_t>> GuestMemory::span(GuestAddress address, uint64_t length) const
{
    const auto* region = find_region(address, length);
    if (!region)
        return make_error("guest range {:#x}+{:#x} is outside guest memory", address.value(), length);
    auto offset = address.value() - region->start.value();
    return std::span<uint8_t>(region->map.data() + offset, length);
}

Result<void> GuestMemory::write(GuestAddress address, std::span<const uint8_t> bytes) const
{
    return write(address, std::as_bytes(bytes));
}

Result<void> GuestMemory::read(GuestAddress address, std::span<uint8_t> bytes) const
{
    return read(address, std::as_writable_bytes(bytes));
}

Result<void> GuestMemory::write(GuestAddress address, std::span<const std::byte> bytes) const
{
    auto target = TRY(span(address, bytes.size()));
    std::memcpy(target.data(), bytes.data(), bytes.size());
    return {};
}

Result<void> GuestMemory::read(GuestAddress address, std::span<std::byte> bytes) const
{
    auto source = TRY(span(address, bytes.size()));
    std::memcpy(bytes.data(), source.data(), bytes.size());
    return {};
}

Result<void> GuestMemory::fill(GuestAddress address, uint8_t value, uint64_t length) const
{
    auto target = TRY(span(address, length));
    std::memset(target.data(), value, length);
    return {};
}

uint64_t GuestMemory::total_size() const
{
    uint64_t total = 0;
    for (const auto& region : m_regions)
        total += region.size;
    return total;
}

}
