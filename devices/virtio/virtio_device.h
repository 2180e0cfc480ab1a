#pragma once

#include "devices/virtio/virtqueue.h"
#include "vmm/base/state_stream.h"
#include "vmm/event/event_loop.h"

#include <mutex>
#include <vector>

namespace vmlet::virtio {

// What an active device works with; the transport provides it between DRIVER_OK and reset.
class DeviceContext {
public:
    virtual ~DeviceContext() = default;
    virtual const GuestMemory& memory() const = 0;
    virtual Virtqueue& queue(uint16_t index) = 0;
    virtual bool negotiated(uint32_t feature_bit) const = 0;
    // Raises the used-buffer interrupt (§2.7.7); devices call notify_used, which asks the queue.
    virtual void interrupt_used() = 0;
    // A driver error the device cannot continue after: DEVICE_NEEDS_RESET (§2.1.2).
    virtual void fail(const Error& error) = 0;
};

// A virtio device type (block, net, ...) behind a transport. The transport calls every virtual
// here with mutex() held; a device's own back-end handlers (a tap, a socket) take it themselves,
// on the event loop thread, and do nothing unless the device is active.
class VirtioDevice {
public:
    virtual ~VirtioDevice() = default;

    virtual uint32_t device_id() const = 0;
    // Device-type feature bits (§5.x.3); the transport adds VERSION_1, EVENT_IDX, INDIRECT_DESC.
    virtual uint64_t device_features() const = 0;
    virtual std::vector<uint16_t> queue_max_sizes() const = 0;
    // Device configuration space (§5.x.4); reads outside it return zeros, writes are ignored.
    virtual void read_config(uint64_t offset, std::span<uint8_t> data) const = 0;
    virtual void write_config(uint64_t, std::span<const uint8_t>) { }

    // Registers the device's own back-end file descriptors (tap, sockets, console input) with the
    // loop that also runs its queues. Called once, before the guest runs.
    virtual Result<void> attach_backend(EventLoop&) { return {}; }

    virtual Result<void> activate() { return {}; }
    virtual void reset() { }
    // The driver made buffers available on `queue` (or the device should look again).
    virtual Result<void> process_queue(uint16_t queue) = 0;

    // Snapshots (vmm/snapshot; MmioTransport calls these inside its own save and restore).
    // save_state writes what the device holds beyond the transport's registers and queues.
    // restore_state reads that into a device of the same type whose back-ends are new, before
    // the transport binds it (no context() yet): the bytes come from a file, so every value is
    // checked, and on error nothing changes. after_restore runs on a live device once the whole
    // VM is restored and attached, before vCPUs run again: what the driver must hear first.
    virtual void save_state(StateWriter&) const { }
    // Whether the device can be saved now; a one-line reason when it cannot (before anything is
    // written, so the snapshot is refused whole).
    virtual Result<void> check_snapshot() const { return {}; }
    virtual Result<void> restore_state(StateReader&) { return {}; }
    virtual Result<void> after_restore() { return {}; }

    std::mutex& mutex() { return m_mutex; }
    bool active() const { return m_context != nullptr; }
    // Set by the transport, with mutex() held.
    void bind(DeviceContext* context) { m_context = context; }

protected:
    DeviceContext& context() { return *m_context; }
    // Interrupts the driver if the queue's suppression state asks for it.
    Result<void> notify_used(uint16_t queue)
    {
        if (TRY(context().queue(queue).should_interrupt()))
            context().interrupt_used();
        return {};
    }
    // Returns a chain and notifies; for devices that complete one request at a time.
    Result<void> complete(uint16_t queue, uint16_t head, uint32_t written)
    {
        TRY(context().queue(queue).push_used(head, written));
        return notify_used(queue);
    }

private:
    std::mutex m_mutex;
    DeviceContext* m_context { nullptr };
};

// Copies `value` as a little-endian config field at `field_offset` into a config read of
// [offset, offset + data.size()), for whatever bytes overlap.
template<typename T>
void copy_config_field(uint64_t offset, std::span<uint8_t> data, uint64_t field_offset, const T& value)
{
    auto bytes = std::as_bytes(std::span(&value, 1));
    for (size_t index = 0; index < data.size(); ++index) {
        uint64_t at = offset + index;
        if (at >= field_offset && at < field_offset + bytes.size())
            data[index] = uint8_t(bytes[at - field_offset]);
    }
}

}
