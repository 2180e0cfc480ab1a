#pragma once

#include "devices/virtio/descriptor_chain.h"

#include <sys/uio.h>

#include <type_traits>

namespace vmlet::virtio {

// Reads a chain's device-readable bytes in order, across buffer boundaries.
class ChainReader {
public:
    explicit ChainReader(std::span<const std::span<uint8_t>> segments)
        : m_segments(segments)
    {
    }

    // Copies exactly `out.size()` bytes, or fails (leaving the position undefined) if fewer remain.
    bool read(std::span<uint8_t> out);
    template<typename T>
    bool read_object(T& object)
    {
        static_assert(std::is_trivially_copyable_v<T>);
        return read(std::span(reinterpret_cast<uint8_t*>(&object), sizeof(T)));
    }
    // The next `length` bytes as iovecs into guest memory, without copying; false if fewer remain.
    bool take(uint64_t length, std::vector<iovec>& out);
    uint64_t remaining() const;

private:
    std::span<const std::span<uint8_t>> m_segments;
    size_t m_segment { 0 };
    size_t m_offset { 0 };
};

// Writes into a chain's device-writable bytes in order; counts what was written for the used ring.
class ChainWriter {
public:
    explicit ChainWriter(std::span<const std::span<uint8_t>> segments)
        : m_segments(segments)
    {
    }

    // Writes all of `bytes`, or as much as fits and returns false.
    bool write(std::span<const uint8_t> bytes);
    template<typename T>
    bool write_object(const T& object)
    {
        static_assert(std::is_trivially_copyable_v<T>);
        return write(std::span(reinterpret_cast<const uint8_t*>(&object), sizeof(T)));
    }
    // The next `length` writable bytes as iovecs, counted as written; false if fewer remain.
    bool take(uint64_t length, std::vector<iovec>& out);
    uint64_t remaining() const;
    uint32_t written() const { return m_written; }

private:
    std::span<const std::span<uint8_t>> m_segments;
    size_t m_segment { 0 };
    size_t m_offset { 0 };
    uint32_t m_written { 0 };
};

}
