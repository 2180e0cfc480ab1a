#include "devices/virtio/virtqueue.h"

#include "devices/virtio/virtio_spec.h"
#include "vmm/base/checked_math.h"

#include <atomic>

namespace vmlet::virtio {

namespace {

// §2.7.6 the available ring: flags, idx, ring[size], used_event.
constexpr uint64_t kAvailFlags = 0;
constexpr uint64_t kAvailIndex = 2;
constexpr uint64_t kAvailRing = 4;
// §2.7.8 the used ring: flags, idx, ring[size] of {id, len}, avail_event.
constexpr uint64_t kUsedIndex = 2;
constexpr uint64_t kUsedRing = 4;
constexpr uint64_t kUsedElementSize = 8;

struct UsedElement {
    uint32_t id;
    uint32_t length;
};

bool area_fits(const GuestMemory& memory, GuestAddress address, uint64_t length, uint64_t alignment)
{
    return address.value() % alignment == 0 && memory.contains(address, length);
}

}

Result<void> Virtqueue::check_placement(const GuestMemory& memory) const
{
    auto size = m_config.size;
    if (size == 0 || size > m_max_size || (size & (size - 1)) != 0)
        return make_error("queue size {} is not a power of two up to {}", size, m_max_size);
    if (!area_fits(memory, m_config.descriptors, 16 * uint64_t(size), 16))
        return make_error("descriptor table at {:#x} is misaligned or outside RAM", m_config.descriptors.value());
    if (!area_fits(memory, m_config.driver_area, 6 + 2 * uint64_t(size), 2))
        return make_error("available ring at {:#x} is misaligned or outside RAM", m_config.driver_area.value());
    if (!area_fits(memory, m_config.device_area, 6 + kUsedElementSize * size, 4))
        return make_error("used ring at {:#x} is misaligned or outside RAM", m_config.device_area.value());
    return {};
}

Result<void> Virtqueue::activate(const GuestMemory& memory, bool event_idx, bool indirect)
{
    TRY(check_placement(memory));
    m_memory = &memory;
    m_event_idx = event_idx;
    m_indirect = indirect;
    m_next_avail = 0;
    m_next_used = 0;
    m_signalled_valid = false;
    return {};
}

void Virtqueue::save_state(StateWriter& writer) const
{
    writer.u16(m_config.size);
    writer.u64(m_config.descriptors.value());
    writer.u64(m_config.driver_area.value());
    writer.u64(m_config.device_area.value());
    writer.boolean(m_config.ready);
    writer.boolean(active());
    if (!active())
        return; // activate() sets the rest
    writer.boolean(m_event_idx);
    writer.boolean(m_indirect);
    writer.u16(m_next_avail);
    writer.u16(m_next_used);
    writer.u16(m_signalled_used);
    writer.boolean(m_signalled_valid);
}

Result<void> Virtqueue::restore_state(StateReader& reader, const GuestMemory& memory)
{
    // Read into a copy, so that a bad state leaves this queue as it was.
    Virtqueue restored(m_max_size);
    auto& config = restored.m_config;
    config.size = TRY(reader.u16("queue size"));
    config.descriptors = GuestAddress(TRY(reader.u64("descriptor table")));
    config.driver_area = GuestAddress(TRY(reader.u64("available ring")));
    config.device_area = GuestAddress(TRY(reader.u64("used ring")));
    config.ready = TRY(reader.boolean("ready"));
    bool active = TRY(reader.boolean("active"));
    if (active) {
        // A queue the driver is still configuring may hold any values (activate() checks them
        // at DRIVER_OK); a live one holds values activate() accepted.
        if (!config.ready)
            return reader.failure("active", "is set on a queue that is not ready");
        auto placed = restored.check_placement(memory);
        if (!placed.ok())
            return reader.failure("configuration", fmt::format("is not usable: {}", placed.error().message()));
        restored.m_memory = &memory;
        restored.m_event_idx = TRY(reader.boolean("event index"));
        restored.m_indirect = TRY(reader.boolean("indirect descriptors"));
        restored.m_next_avail = TRY(reader.u16("next available"));
        restored.m_next_used = TRY(reader.u16("next used"));
        restored.m_signalled_used = TRY(reader.u16("signalled used"));
        restored.m_signalled_valid = TRY(reader.boolean("signalled used is valid"));
        // The device cannot have returned chains it never took, nor hold more than the ring.
        if (restored.in_flight() > config.size)
            return reader.failure("next used", fmt::format("{} is {} entries behind next available {} (queue size {})",
                restored.m_next_used, restored.in_flight(), restored.m_next_avail, config.size));
    }
    *this = restored;
    return {};
}

void Virtqueue::reset()
{
    m_config = {};
    m_memory = nullptr;
    m_next_avail = 0;
    m_next_used = 0;
    m_signalled_valid = false;
}

Result<uint16_t> Virtqueue::available_index() const
{
    if (!m_memory)
        return make_error("the queue is not active");
    auto index = TRY(m_memory->read_object<uint16_t>(GuestAddress(m_config.driver_area.value() + kAvailIndex)));
    // Pairs with the driver's write barrier before it publishes idx (§2.7.13.3): the ring entries
    // read after this must be at least as new as idx.
    std::atomic_thread_fence(std::memory_order_acquire);
    return index;
}

Result<std::optional<DescriptorChain>> Virtqueue::pop()
{
    if (!m_memory)
        return make_error("the queue is not active");
    uint16_t available = TRY(available_index());
    uint16_t pending = uint16_t(available - m_next_avail);
    if (pending == 0)
        return std::optional<DescriptorChain> {};
    if (pending > m_config.size)
        return make_error("available index {} runs {} entries ahead of the device (queue size {})", available, pending, m_config.size);
    auto slot = GuestAddress(m_config.driver_area.value() + kAvailRing + 2 * uint64_t(m_next_avail % m_config.size));
    uint16_t head = TRY(m_memory->read_object<uint16_t>(slot));
    DescriptorTable table { m_config.descriptors, m_config.size, m_indirect };
    auto chain = TRY(read_descriptor_chain(*m_memory, table, head));
    ++m_next_avail;
    return std::optional<DescriptorChain>(std::move(chain));
}

Result<std::optional<DescriptorChain>> Virtqueue::next()
{
    for (;;) {
        auto chain = TRY(pop());
        if (chain || !TRY(arm_notification()))
            return chain;
    }
}

Result<void> Virtqueue::push_used(uint16_t head, uint32_t written)
{
    if (!m_memory)
        return make_error("the queue is not active");
    auto slot = GuestAddress(m_config.device_area.value() + kUsedRing + kUsedElementSize * (m_next_used % m_config.size));
    TRY(m_memory->write_object(slot, UsedElement { head, written }));
    ++m_next_used;
    // The element must be visible before the index that publishes it (§2.7.8).
    std::atomic_thread_fence(std::memory_order_release);
    TRY(m_memory->write_object(GuestAddress(m_config.device_area.value() + kUsedIndex), m_next_used));
    return {};
}

Result<bool> Virtqueue::should_interrupt()
{
    if (!m_memory)
        return false;
    // The used index must be visible before the driver's used_event / flags are read (§2.7.10).
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (!m_event_idx) {
        auto flags = TRY(m_memory->read_object<uint16_t>(GuestAddress(m_config.driver_area.value() + kAvailFlags)));
        return !(flags & kAvailNoInterrupt);
    }
    auto used_event_address = GuestAddress(m_config.driver_area.value() + kAvailRing + 2 * uint64_t(m_config.size));
    uint16_t used_event = TRY(m_memory->read_object<uint16_t>(used_event_address));
    uint16_t old = m_signalled_used;
    bool first = !m_signalled_valid;
    m_signalled_used = m_next_used;
    m_signalled_valid = true;
    // vring_need_event(): interrupt when used_event lies in [old, new).
    return first || uint16_t(m_next_used - used_event - 1) < uint16_t(m_next_used - old);
}

Result<void> Virtqueue::request_notification(uint16_t index)
{
    if (!m_memory || !m_event_idx)
        return {};
    auto avail_event = GuestAddress(m_config.device_area.value() + kUsedRing + kUsedElementSize * m_config.size);
    return m_memory->write_object(avail_event, index);
}

Result<bool> Virtqueue::arm_notification()
{
    if (!m_memory || !m_event_idx)
        return false;
    TRY(request_notification(m_next_avail));
    std::atomic_thread_fence(std::memory_order_seq_cst);
    return TRY(available_index()) != m_next_avail;
}

}
