#pragma once

#include "vmm/base/result.h"
#include "vmm/bus/bus_device.h"

#include <vector>

namespace vmlet {

// Maps address ranges (ports or MMIO addresses) to devices. Ranges never overlap. Built before the
// vCPUs start and read-only afterwards, so lookups need no lock.
class Bus {
public:
    Result<void> insert(BusDevice& device, uint64_t base, uint64_t length);

    // False when no device claims the whole access; reads then leave `data` as all ones, which is
    // what an unclaimed ISA port or MMIO hole reads as on real hardware.
    bool read(uint64_t address, std::span<uint8_t> data) const;
    bool write(uint64_t address, std::span<const uint8_t> data) const;

private:
    struct Range {
        uint64_t base;
        uint64_t length;
        BusDevice* device;
    };
    const Range* find(uint64_t address, uint64_t length) const;

    std::vector<Range> m_ranges; // sorted by base
};

}
