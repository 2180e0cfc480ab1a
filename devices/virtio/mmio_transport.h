#pragma once

#include "devices/virtio/virtio_device.h"
#include "vmm/base/unique_fd.h"
#include "vmm/bus/bus_device.h"

#include <atomic>

namespace vmlet::virtio {

// The virtio-mmio transport, version 2 only (virtio 1.2 §4.2.2): the register file a driver
// programs from vCPU threads. Queue notifications go to one eventfd per queue (KVM signals them
// directly once they are registered as ioeventfds; a QueueNotify write that still reaches here
// signals them too); interrupts go out through one eventfd, meant for KVM_IRQFD. The device's work
// happens on whoever waits on the notify eventfds and calls process_notify().
class MmioTransport final : public BusDevice, private DeviceContext {
public:
    static Result<std::unique_ptr<MmioTransport>> create(VirtioDevice& device, const GuestMemory& memory);

    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<const uint8_t> data) override;

    int interrupt_fd() const { return m_interrupt.get(); }
    size_t queue_count() const { return m_queues.size(); }
    int queue_notify_fd(size_t queue) const { return m_notify[queue].get(); }
    // Runs the device for a queue whose notify eventfd fired (the eventfd has been drained).
    void process_notify(uint16_t queue);

    uint32_t status();

    // Snapshots (vmm/snapshot), taken while the guest is paused and no request is in flight.
    // save_state writes the register file, every queue and the device's own state (its
    // VirtioDevice::save_state). restore_state reads them into this transport, whose device is
    // of the same type but has new back-ends: it checks every value as the registers would have
    // (features offered, DRIVER_OK only after FEATURES_OK, live queues activate() would accept)
    // and, for a live device, binds it and calls its activate() once, as DRIVER_OK does; the
    // queues keep their saved positions instead of starting over. An error leaves the transport
    // reset. after_restore() is for once the whole VM is restored and this transport is attached
    // (its eventfds wired, its device's back-ends on the event loop), before vCPUs run.
    void save_state(StateWriter& writer) const;
    Result<void> restore_state(StateReader& reader);
    void after_restore();

private:
    MmioTransport(VirtioDevice& device, const GuestMemory& memory, UniqueFd interrupt, std::vector<UniqueFd> notify);

    uint32_t read_register(uint64_t offset);
    void write_register(uint64_t offset, uint32_t value);
    void write_status(uint32_t value);
    void write_queue_register(uint64_t offset, uint32_t value);
    void reset_device();
    Result<void> restore_locked(StateReader& reader);
    Result<void> check_restored(StateReader& reader) const;
    uint64_t offered_features() const;
    void raise_interrupt(uint32_t bits);

    // DeviceContext
    const GuestMemory& memory() const override { return m_memory; }
    Virtqueue& queue(uint16_t index) override { return m_queues.at(index); }
    bool negotiated(uint32_t bit) const override { return (m_driver_features >> bit) & 1; }
    void interrupt_used() override;
    void fail(const Error& error) override;

    VirtioDevice& m_device;
    const GuestMemory& m_memory;
    UniqueFd m_interrupt;
    std::vector<UniqueFd> m_notify;
    std::vector<Virtqueue> m_queues;

    uint32_t m_status { 0 };
    uint32_t m_device_features_select { 0 };
    uint32_t m_driver_features_select { 0 };
    uint64_t m_driver_features { 0 };
    uint32_t m_queue_select { 0 };
    uint32_t m_config_generation { 0 };
    std::atomic<uint32_t> m_interrupt_status { 0 };
};

}
