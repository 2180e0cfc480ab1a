#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace vmlet {

// Where the host's console input goes: the guest's UART or its virtio console. Called from the
// main thread; implementations guard their own state.
class ConsoleSink {
public:
    virtual ~ConsoleSink() = default;
    // Queues bytes for the guest to read; returns how many were taken.
    virtual size_t push_input(std::span<const uint8_t> bytes) = 0;
    // How many bytes push_input would take now; 0 while the guest is not reading, so the host
    // leaves the rest of its input unread.
    virtual size_t input_space() = 0;
};

}
