#pragma once

#include "devices/virtio/descriptor_chain.h"
#include "vmm/base/state_stream.h"

#include <optional>

namespace vmlet::virtio {

// One split virtqueue (virtio 1.2 §2.7) as the device side sees it. The driver sets the
// configuration through the transport; the device pops chains and pushes used entries. Ring
// indices come from the guest and are never trusted: an available index that runs more than a
// queue's worth ahead, or a head outside the table, is an error, after which the device must stop
// using the queue (the transport then sets DEVICE_NEEDS_RESET).
class Virtqueue {
public:
    struct Config {
        uint16_t size { 0 };
        GuestAddress descriptors;
        GuestAddress driver_area; // the available ring
        GuestAddress device_area; // the used ring
        bool ready { false };
    };

    explicit Virtqueue(uint16_t max_size)
        : m_max_size(max_size)
    {
    }

    uint16_t max_size() const { return m_max_size; }
    Config& config() { return m_config; }
    const Config& config() const { return m_config; }
    bool ready() const { return m_config.ready; }

    // Called when the driver sets DRIVER_OK: checks size and ring placement (§2.7: size a power of
    // two; §2.7.2 alignment 16/2/4; all three areas inside RAM) and binds the negotiated features.
    Result<void> activate(const GuestMemory& memory, bool event_idx, bool indirect);
    void reset();
    bool active() const { return m_memory != nullptr; }
    bool event_idx() const { return m_event_idx; }
    bool indirect() const { return m_indirect; }
    // Chains popped and not yet returned.
    uint16_t in_flight() const { return uint16_t(m_next_avail - m_next_used); }

    // A snapshot of the queue: its configuration and, once active, the negotiated bindings and
    // the device's ring positions. Restoring an active queue checks what activate() checks, over
    // `memory`, and keeps the positions, so the next pop() reads the available ring where the
    // saved queue would have.
    void save_state(StateWriter& writer) const;
    Result<void> restore_state(StateReader& reader, const GuestMemory& memory);

    // The next available chain, or nothing when the driver has not made one available.
    Result<std::optional<DescriptorChain>> pop();
    // Returns a chain to the driver with the number of bytes the device wrote into it.
    Result<void> push_used(uint16_t head, uint32_t written);
    // After pushing: whether the driver asked to be interrupted (§2.7.7.2, VIRTIO_F_EVENT_IDX or
    // the NO_INTERRUPT flag). Resets the "pushed since the last interrupt" state when it says yes.
    Result<bool> should_interrupt();
    // Before a device goes idle on an empty queue: tells the driver (avail_event) to notify on the
    // next buffer, then checks once more for one that raced in. True means "pop again".
    Result<bool> arm_notification();
    // What a device loop calls: pop(), and on an empty ring arm_notification() and look once more,
    // so a buffer the driver adds meanwhile is never left without a notification.
    Result<std::optional<DescriptorChain>> next();
    // The driver's available index (§2.7.6 idx): how many buffers it has made available so far.
    Result<uint16_t> available_index() const;
    // Asks the driver to notify once it makes available the buffer at ring position `index`
    // (§2.7.10 avail_event). Without VIRTIO_F_EVENT_IDX it notifies every time anyway.
    Result<void> request_notification(uint16_t index);
    // A chain whose buffers were consumed but is not ready to be returned (vsock, net receive) can
    // be put back at the front of the queue.
    void unpop() { --m_next_avail; }

private:
    // §2.7: size a power of two up to the maximum; §2.7.2 alignment 16/2/4; all three areas in RAM.
    Result<void> check_placement(const GuestMemory& memory) const;

    uint16_t m_max_size;
    Config m_config;
    const GuestMemory* m_memory { nullptr };
    bool m_event_idx { false };
    bool m_indirect { false };
    uint16_t m_next_avail { 0 };
    uint16_t m_next_used { 0 };
    uint16_t m_signalled_used { 0 }; // used index at the last interrupt
    bool m_signalled_valid { false };
};

}
