#pragma once

#include "devices/virtio/mmio_transport.h"
#include "devices/virtio/virtio_spec.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <optional>

namespace vmlet::virtio::testing {

// A virtio-mmio driver in a test: it owns a small guest RAM, programs a transport's registers as
// Linux's virtio_mmio driver does (virtio 1.2 §3.1.1, §4.2.3) and writes split rings by hand.
// Hostile tests reach past its helpers to write bad descriptors and indices directly.
class FakeDriver {
public:
    static constexpr uint64_t kRamSize = 4 << 20;
    static constexpr uint64_t kRingsBase = 0x10000;   // one 16 KiB block of rings per queue
    static constexpr uint64_t kBuffersBase = 0x100000; // data buffers, handed out in order

    struct UsedElement {
        uint32_t id;
        uint32_t length;
    };
    // A buffer the driver offers: readable (bytes for the device) or writable (space).
    struct Buffer {
        uint64_t address;
        uint32_t length;
        bool writable;
    };

    explicit FakeDriver(VirtioDevice& device)
        : memory(GuestMemory::create({ { GuestAddress(0), kRamSize } }, MemoryBacking::Plain).release_value())
        , transport(MmioTransport::create(device, memory).release_value())
        , m_device(device)
    {
    }

    uint32_t read_register(uint64_t offset)
    {
        uint32_t value = 0;
        transport->read(offset, std::span(reinterpret_cast<uint8_t*>(&value), 4));
        return value;
    }
    void write_register(uint64_t offset, uint32_t value)
    {
        transport->write(offset, std::span(reinterpret_cast<const uint8_t*>(&value), 4));
    }

    uint64_t device_features()
    {
        write_register(mmio::kDeviceFeaturesSel, 0);
        uint64_t low = read_register(mmio::kDeviceFeatures);
        write_register(mmio::kDeviceFeaturesSel, 1);
        return low | uint64_t(read_register(mmio::kDeviceFeatures)) << 32;
    }

    // The whole initialisation; returns the final status. Queues get `queue_size` entries.
    uint32_t initialise(uint64_t features, uint16_t queue_size = 16)
    {
        write_register(mmio::kStatusReg, 0);
        write_register(mmio::kStatusReg, kStatusAcknowledge);
        write_register(mmio::kStatusReg, kStatusAcknowledge | kStatusDriver);
        write_register(mmio::kDriverFeaturesSel, 0);
        write_register(mmio::kDriverFeatures, uint32_t(features));
        write_register(mmio::kDriverFeaturesSel, 1);
        write_register(mmio::kDriverFeatures, uint32_t(features >> 32));
        write_register(mmio::kStatusReg, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
        for (uint16_t queue = 0; queue < m_device.queue_max_sizes().size(); ++queue)
            setup_queue(queue, queue_size);
        write_register(mmio::kStatusReg, read_register(mmio::kStatusReg) | kStatusDriverOk);
        return read_register(mmio::kStatusReg);
    }

    void setup_queue(uint16_t queue, uint16_t size)
    {
        write_register(mmio::kQueueSel, queue);
        write_register(mmio::kQueueNum, size);
        write_register(mmio::kQueueDescLow, uint32_t(descriptors(queue)));
        write_register(mmio::kQueueDescHigh, 0);
        write_register(mmio::kQueueDriverLow, uint32_t(avail(queue)));
        write_register(mmio::kQueueDriverHigh, 0);
        write_register(mmio::kQueueDeviceLow, uint32_t(used(queue)));
        write_register(mmio::kQueueDeviceHigh, 0);
        write_register(mmio::kQueueReady, 1);
        m_sizes.resize(std::max<size_t>(m_sizes.size(), queue + 1));
        m_sizes[queue] = size;
        m_next_descriptor.resize(m_sizes.size());
        m_avail_index.resize(m_sizes.size());
        m_used_seen.resize(m_sizes.size());
        m_next_descriptor[queue] = m_avail_index[queue] = m_used_seen[queue] = 0;
        EXPECT_TRUE(memory.fill(GuestAddress(descriptors(queue)), 0, 0x4000).ok());
    }

    static uint64_t descriptors(uint16_t queue) { return kRingsBase + queue * 0x4000; }
    static uint64_t avail(uint16_t queue) { return descriptors(queue) + 0x1000; }
    static uint64_t used(uint16_t queue) { return descriptors(queue) + 0x2000; }

    // Places bytes in a fresh data buffer: a readable buffer holding them.
    Buffer readable(std::span<const uint8_t> bytes)
    {
        auto address = allocate(bytes.size());
        EXPECT_TRUE(memory.write(GuestAddress(address), bytes).ok());
        return { address, uint32_t(bytes.size()), false };
    }
    template<typename T>
    Buffer readable_object(const T& object)
    {
        return readable(std::span(reinterpret_cast<const uint8_t*>(&object), sizeof(T)));
    }
    Buffer writable(uint32_t length, uint8_t fill = 0xee)
    {
        auto address = allocate(length);
        EXPECT_TRUE(memory.fill(GuestAddress(address), fill, length).ok());
        return { address, length, true };
    }

    // Writes one struct virtq_desc (§2.7.5) at any guest address: a queue's table or an indirect one.
    void write_descriptor_at(uint64_t at, uint64_t address, uint32_t length, uint16_t flags, uint16_t next)
    {
        uint8_t raw[16];
        std::memcpy(raw, &address, 8);
        std::memcpy(raw + 8, &length, 4);
        std::memcpy(raw + 12, &flags, 2);
        std::memcpy(raw + 14, &next, 2);
        EXPECT_TRUE(memory.write(GuestAddress(at), raw).ok());
    }
    void write_descriptor(uint16_t queue, uint16_t index, uint64_t address, uint32_t length, uint16_t flags, uint16_t next)
    {
        write_descriptor_at(descriptors(queue) + 16 * uint64_t(index), address, length, flags, next);
    }

    // Writes a chain into the descriptor table (wrapping) and makes it available; returns the head.
    uint16_t add_chain(uint16_t queue, const std::vector<Buffer>& buffers)
    {
        uint16_t size = m_sizes[queue];
        uint16_t head = m_next_descriptor[queue];
        for (size_t index = 0; index < buffers.size(); ++index) {
            uint16_t current = uint16_t((head + index) % size);
            uint16_t next = uint16_t((current + 1) % size);
            uint16_t flags = uint16_t((buffers[index].writable ? kDescWrite : 0) | (index + 1 < buffers.size() ? kDescNext : 0));
            write_descriptor(queue, current, buffers[index].address, buffers[index].length, flags, next);
        }
        m_next_descriptor[queue] = uint16_t((head + buffers.size()) % size);
        make_available(queue, head);
        return head;
    }

    void make_available(uint16_t queue, uint16_t head)
    {
        uint16_t slot = uint16_t(m_avail_index[queue] % m_sizes[queue]);
        write16(avail(queue) + 4 + 2 * uint64_t(slot), head);
        set_avail_index(queue, uint16_t(m_avail_index[queue] + 1));
    }
    void set_avail_index(uint16_t queue, uint16_t index)
    {
        m_avail_index[queue] = index;
        write16(avail(queue) + 2, index);
    }

    // What the VMM's event loop does when the queue's notify eventfd fires.
    void kick(uint16_t queue)
    {
        write_register(mmio::kQueueNotify, queue);
        uint64_t count = 0;
        (void)!::read(transport->queue_notify_fd(queue), &count, sizeof(count));
        transport->process_notify(queue);
    }

    // The transport's saved state (with its device's), as vmm/snapshot would write it.
    std::vector<uint8_t> save_state() const
    {
        StateWriter writer;
        transport->save_state(writer);
        return writer.data();
    }
    // Restores a saved state into this driver's transport; every byte must be used.
    Result<void> restore_state(std::span<const uint8_t> state)
    {
        StateReader reader(state, "snapshot");
        TRY(transport->restore_state(reader));
        return reader.expect_end();
    }
    // The same guest in a new VMM process: a copy of this RAM and of the driver's bookkeeping
    // (which a real driver keeps in guest RAM too), in front of a fresh transport for `device`,
    // which the caller then restores.
    std::unique_ptr<FakeDriver> copy_guest(VirtioDevice& device) const
    {
        auto copy = std::make_unique<FakeDriver>(device);
        std::vector<uint8_t> ram(kRamSize);
        EXPECT_TRUE(memory.read(GuestAddress(0), ram).ok());
        EXPECT_TRUE(copy->memory.write(GuestAddress(0), ram).ok());
        copy->m_next_buffer = m_next_buffer;
        copy->m_sizes = m_sizes;
        copy->m_next_descriptor = m_next_descriptor;
        copy->m_avail_index = m_avail_index;
        copy->m_used_seen = m_used_seen;
        return copy;
    }

    uint16_t used_index(uint16_t queue) { return read16(used(queue) + 2); }
    // The used elements the device added since the last call.
    std::vector<UsedElement> take_used(uint16_t queue)
    {
        std::vector<UsedElement> elements;
        uint16_t end = used_index(queue);
        for (; m_used_seen[queue] != end; ++m_used_seen[queue]) {
            auto address = used(queue) + 4 + 8 * uint64_t(m_used_seen[queue] % m_sizes[queue]);
            elements.push_back(memory.read_object<UsedElement>(GuestAddress(address)).release_value());
        }
        return elements;
    }

    // How many times the interrupt eventfd fired since the last call.
    uint64_t interrupts()
    {
        uint64_t count = 0;
        if (::read(transport->interrupt_fd(), &count, sizeof(count)) != sizeof(count))
            return 0;
        return count;
    }

    std::vector<uint8_t> bytes(uint64_t address, size_t length)
    {
        std::vector<uint8_t> out(length);
        EXPECT_TRUE(memory.read(GuestAddress(address), out).ok());
        return out;
    }

    void write16(uint64_t address, uint16_t value) { EXPECT_TRUE(memory.write_object(GuestAddress(address), value).ok()); }
    uint16_t read16(uint64_t address) { return memory.read_object<uint16_t>(GuestAddress(address)).release_value(); }

    GuestMemory memory;
    std::unique_ptr<MmioTransport> transport;

private:
    uint64_t allocate(size_t length)
    {
        uint64_t address = m_next_buffer;
        m_next_buffer += (length + 15) & ~size_t(15);
        EXPECT_LE(m_next_buffer, kRamSize);
        return address;
    }

    VirtioDevice& m_device;
    uint64_t m_next_buffer { kBuffersBase };
    std::vector<uint16_t> m_sizes;
    std::vector<uint16_t> m_next_descriptor;
    std::vector<uint16_t> m_avail_index;
    std::vector<uint16_t> m_used_seen;
};

constexpr uint64_t kModern = feature(kFeatureVersion1);
constexpr uint32_t kLiveStatus = kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk;

}
