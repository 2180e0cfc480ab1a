#pragma once

// Shared pieces of the virtio fuzz targets: a byte reader over the fuzz input and a minimal
// virtio-mmio driver (in the manner of tests/unit/devices/virtio/fake_driver.h) that programs a
// transport over a small guest RAM whose contents come from the input.
//
// Fixed guest layout, mirrored by tests/fuzz/make_seeds.py:
//   RAM:            kRamSize bytes at guest address 0, filled from the input (the rest zero)
//   queue q:        descriptor table at q * 0x1000, available ring at +0x800, used ring at +0xa00
//                   (room for 128 entries each; the harnesses pick sizes 1..128)
//   data buffers:   anywhere; the seeds put readable ones at 0x100..0x7ff (after a 16-entry table)
//                   and writable ones at 0x8000 and up, so seed files stay a few KiB

#include "devices/virtio/mmio_transport.h"
#include "devices/virtio/virtio_spec.h"
#include "tests/fuzz/fuzz_check.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>

namespace vmlet::virtio::fuzz {

constexpr uint64_t kRamSize = 64 * 1024;

constexpr uint64_t descriptors(uint16_t queue) { return uint64_t(queue) * 0x1000; }
constexpr uint64_t avail(uint16_t queue) { return descriptors(queue) + 0x800; }
constexpr uint64_t used(uint16_t queue) { return descriptors(queue) + 0xa00; }

// Consumes the fuzz input front to back; reads past the end yield zeros.
class Input {
public:
    Input(const uint8_t* data, size_t size)
        : m_data(data)
        , m_size(size)
    {
    }

    template<typename T>
    T take()
    {
        T value {};
        size_t count = std::min(sizeof(T), remaining());
        std::memcpy(&value, m_data + m_offset, count);
        m_offset += count;
        return value;
    }
    std::span<const uint8_t> take_bytes(size_t count)
    {
        count = std::min(count, remaining());
        std::span<const uint8_t> bytes(m_data + m_offset, count);
        m_offset += count;
        return bytes;
    }
    std::span<const uint8_t> rest() { return take_bytes(remaining()); }
    size_t remaining() const { return m_size - m_offset; }

private:
    const uint8_t* m_data;
    size_t m_size;
    size_t m_offset { 0 };
};

using fuzz_support::check;

// Guest RAM of kRamSize bytes at 0 holding `contents` (truncated or zero-padded).
inline GuestMemory make_memory(std::span<const uint8_t> contents)
{
    auto memory = GuestMemory::create({ { GuestAddress(0), kRamSize } }, MemoryBacking::Plain);
    check(memory.ok(), "GuestMemory::create");
    auto& ram = memory.value();
    check(ram.write(GuestAddress(0), contents.first(std::min<size_t>(contents.size(), kRamSize))).ok(), "RAM fill");
    return memory.release_value();
}

// Programs a transport the way Linux's virtio_mmio driver does (virtio 1.2 §3.1.1, §4.2.3).
class Driver {
public:
    explicit Driver(MmioTransport& transport)
        : m_transport(transport)
    {
    }

    uint32_t read(uint64_t offset)
    {
        uint32_t value = 0;
        m_transport.read(offset, std::span(reinterpret_cast<uint8_t*>(&value), 4));
        return value;
    }
    void write(uint64_t offset, uint32_t value)
    {
        m_transport.write(offset, std::span(reinterpret_cast<const uint8_t*>(&value), 4));
    }

    uint64_t offered_features()
    {
        write(mmio::kDeviceFeaturesSel, 0);
        uint64_t low = read(mmio::kDeviceFeatures);
        write(mmio::kDeviceFeaturesSel, 1);
        return low | uint64_t(read(mmio::kDeviceFeatures)) << 32;
    }

    // Negotiates `features` (masked to what is offered), sets up `queues` queues of `queue_size`
    // at the fixed layout and sets DRIVER_OK. Returns the final status.
    uint32_t initialise(uint64_t features, uint16_t queues, uint16_t queue_size)
    {
        features &= offered_features();
        write(mmio::kStatusReg, 0);
        write(mmio::kStatusReg, kStatusAcknowledge);
        write(mmio::kStatusReg, kStatusAcknowledge | kStatusDriver);
        write(mmio::kDriverFeaturesSel, 0);
        write(mmio::kDriverFeatures, uint32_t(features));
        write(mmio::kDriverFeaturesSel, 1);
        write(mmio::kDriverFeatures, uint32_t(features >> 32));
        write(mmio::kStatusReg, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
        for (uint16_t queue = 0; queue < queues; ++queue) {
            write(mmio::kQueueSel, queue);
            write(mmio::kQueueNum, queue_size);
            write(mmio::kQueueDescLow, uint32_t(descriptors(queue)));
            write(mmio::kQueueDescHigh, 0);
            write(mmio::kQueueDriverLow, uint32_t(avail(queue)));
            write(mmio::kQueueDriverHigh, 0);
            write(mmio::kQueueDeviceLow, uint32_t(used(queue)));
            write(mmio::kQueueDeviceHigh, 0);
            write(mmio::kQueueReady, 1);
        }
        write(mmio::kStatusReg, read(mmio::kStatusReg) | kStatusDriverOk);
        return read(mmio::kStatusReg);
    }

    // What the VMM's event loop does when a queue's notify eventfd fires.
    void kick(uint16_t queue)
    {
        write(mmio::kQueueNotify, queue);
        if (queue < m_transport.queue_count()) {
            uint64_t count = 0;
            (void)!::read(m_transport.queue_notify_fd(queue), &count, sizeof(count));
        }
        m_transport.process_notify(queue);
    }

    // Drains the interrupt eventfd and resets the device, so a long-lived device starts clean.
    void finish()
    {
        uint64_t count = 0;
        (void)!::read(m_transport.interrupt_fd(), &count, sizeof(count));
        write(mmio::kStatusReg, 0);
    }

private:
    MmioTransport& m_transport;
};

}
