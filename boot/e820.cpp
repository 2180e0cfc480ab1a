#include "boot/e820.h"

#include "boot/layout.h"

namespace vmlet {

namespace layout {

std::vector<GuestMemory::RegionSpec> ram_regions(uint64_t ram_bytes)
{
    std::vector<GuestMemory::RegionSpec> regions;
    uint64_t low = ram_bytes < kMmioGapStart ? ram_bytes : kMmioGapStart;
    regions.push_back({ GuestAddress(0), low });
    if (ram_bytes > low)
        regions.push_back({ GuestAddress(kMmioGapEnd), ram_bytes - low });
    return regions;
}

uint64_t low_ram_end(const GuestMemory& memory)
{
    for (const auto& region : memory.regions()) {
        if (region.start.value() == 0)
            return region.end();
    }
    return 0;
}

}

std::vector<E820Entry> build_e820(const GuestMemory& memory)
{
    std::vector<E820Entry> entries;
    for (const auto& region : memory.regions()) {
        if (region.start.value() == 0) {
            entries.push_back({ 0, layout::kEbdaStart, kE820Ram });
            entries.push_back({ layout::kEbdaStart, layout::kHighMemoryStart - layout::kEbdaStart, kE820Reserved });
            if (region.end() > layout::kHighMemoryStart)
                entries.push_back({ layout::kHighMemoryStart, region.end() - layout::kHighMemoryStart, kE820Ram });
        } else {
            entries.push_back({ region.start.value(), region.size, kE820Ram });
        }
    }
    return entries;
}

}
