#include "vmm/bus/bus.h"

#include "vmm/base/checked_math.h"

#include <algorithm>
#include <cstring>

namespace vmlet {

Result<void> Bus::insert(BusDevice& device, uint64_t base, uint64_t length)
{
    auto end = checked_add(base, length);
    if (length == 0 || !end)
        return make_error("bus range {:#x}+{:#x} is empty or overflows", base, length);
    for (const auto& range : m_ranges) {
        if (base < range.base + range.length && range.base < *end)
            return make_error("bus range {:#x}+{:#x} overlaps {:#x}+{:#x}", base, length, range.base, range.length);
    }
    auto position = std::upper_bound(m_ranges.begin(), m_ranges.end(), base,
        [](uint64_t value, const Range& range) { return value < range.base; });
    m_ranges.insert(position, Range { base, length, &device });
    return {};
}

const Bus::Range* Bus::find(uint64_t address, uint64_t length) const
{
    // The last range starting at or below the address is the only candidate.
    auto position = std::upper_bound(m_ranges.begin(), m_ranges.end(), address,
        [](uint64_t value, const Range& range) { return value < range.base; });
    if (position == m_ranges.begin())
        return nullptr;
    const Range& range = *(position - 1);
    if (!range_fits(address - range.base, length, range.length))
        return nullptr;
    return &range;
}

bool Bus::read(uint64_t address, std::span<uint8_t> data) const
{
    const auto* range = find(address, data.size());
    if (!range) {
        std::memset(data.data(), 0xff, data.size());
        return false;
    }
    range->device->read(address - range->base, data);
    return true;
}

bool Bus::write(uint64_t address, std::span<const uint8_t> data) const
{
    const auto* range = find(address, data.size());
    if (!range)
        return false;
    range->device->write(address - range->base, data);
    return true;
}

}
