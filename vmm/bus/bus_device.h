#pragma once

#include <cstdint>
#include <span>

namespace vmlet {

// A device reachable through port I/O or MMIO. `offset` is relative to the base the device was
// inserted at. Accesses come from vCPU threads, concurrently: a device guards its own state.
// Guest-controlled values arrive here; a device must never trust them.
class BusDevice {
public:
    virtual ~BusDevice() = default;
    virtual void read(uint64_t offset, std::span<uint8_t> data) = 0;
    virtual void write(uint64_t offset, std::span<const uint8_t> data) = 0;
};

}
