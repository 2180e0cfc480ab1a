// MmioTransport's snapshot: the register file, the queues and the device's own state, and what
// a restored transport does before the guest runs again.
#include "devices/virtio/mmio_transport.h"

#include "devices/virtio/virtio_spec.h"

#include <algorithm>

namespace vmlet::virtio {

using namespace mmio;

namespace {

// How much of the device's configuration space a snapshot keeps, to tell whether it changed
// under the driver: more than any device here has (block's, the largest, is 60 bytes).
constexpr size_t kSavedConfigBytes = 256;
// What a device ever raises in InterruptStatus (§4.2.2).
constexpr uint32_t kInterruptCauses = kInterruptUsedBuffer | kInterruptConfigChange;

std::vector<uint8_t> config_bytes(const VirtioDevice& device)
{
    std::vector<uint8_t> bytes(kSavedConfigBytes);
    device.read_config(0, bytes);
    return bytes;
}

std::string queue_section(size_t index) { return fmt::format("queue {}", index); }

}

void MmioTransport::save_state(StateWriter& writer) const
{
    std::lock_guard lock(m_device.mutex());
    writer.u32(m_device.device_id());
    writer.u32(m_status);
    writer.u32(m_device_features_select);
    writer.u32(m_driver_features_select);
    writer.u64(m_driver_features);
    writer.u32(m_queue_select);
    writer.u32(m_config_generation);
    writer.u32(m_interrupt_status.load());
    writer.bytes(config_bytes(m_device));
    writer.u32(uint32_t(m_queues.size()));
    for (size_t index = 0; index < m_queues.size(); ++index)
        writer.section(queue_section(index), [&](StateWriter& queue) { m_queues[index].save_state(queue); });
    writer.section("device", [&](StateWriter& device) { m_device.save_state(device); });
}

Result<void> MmioTransport::restore_state(StateReader& reader)
{
    std::lock_guard lock(m_device.mutex());
    reset_device();
    auto generation = m_config_generation;
    auto restored = restore_locked(reader);
    if (!restored.ok()) {
        reset_device();
        m_device.reset(); // whatever the device took from the state goes too, bound or not
        m_config_generation = generation;
    }
    return restored;
}

Result<void> MmioTransport::restore_locked(StateReader& reader)
{
    auto device_id = TRY(reader.u32("device type"));
    if (device_id != m_device.device_id())
        return reader.failure("device type", fmt::format("is {}, not this device's {}", device_id, m_device.device_id()));
    m_status = TRY(reader.u32("status"));
    m_device_features_select = TRY(reader.u32("device features select"));
    m_driver_features_select = TRY(reader.u32("driver features select"));
    m_driver_features = TRY(reader.u64("driver features"));
    m_queue_select = TRY(reader.u32("queue select"));
    m_config_generation = TRY(reader.u32("config generation"));
    m_interrupt_status = TRY(reader.u32("interrupt status"));
    auto saved_config = TRY(reader.bytes("configuration space", kSavedConfigBytes));
    auto queue_count = TRY(reader.u32("queue count"));
    if (queue_count != m_queues.size())
        return reader.failure("queue count", fmt::format("is {}, not this device's {}", queue_count, m_queues.size()));
    for (size_t index = 0; index < m_queues.size(); ++index) {
        auto queue = TRY(reader.section(queue_section(index)));
        TRY(m_queues[index].restore_state(queue, m_memory));
        TRY(queue.expect_end());
    }
    TRY(check_restored(reader));

    auto device = TRY(reader.section("device"));
    TRY(m_device.restore_state(device));
    TRY(device.expect_end());
    // §4.2.2 ConfigGeneration changes when the configuration does: a new back-end may differ (a
    // vsock device's guest CID), and a driver paused between two reads of it must read again.
    if (!std::ranges::equal(config_bytes(m_device), saved_config))
        ++m_config_generation;

    if ((m_status & kStatusDriverOk) && !(m_status & kStatusNeedsReset)) {
        // What DRIVER_OK does, except that the queues keep their restored positions where
        // Virtqueue::activate() would start them over. The device's activate() runs once in this
        // process, for its new back-end (the net device sets the new tap's offloads there).
        m_device.bind(this);
        auto started = m_device.activate();
        if (!started.ok())
            return started.error().with_context(fmt::format("starting virtio device {} on its new back-end", m_device.device_id()));
    }
    return {};
}

Result<void> MmioTransport::check_restored(StateReader& reader) const
{
    if (m_interrupt_status & ~kInterruptCauses)
        return reader.failure("interrupt status", fmt::format("{:#x} has bits no device raises", m_interrupt_status.load()));
    // §3.1.1 as write_status() enforces it: DRIVER_OK only after FEATURES_OK, and FEATURES_OK only
    // for a subset of what this device offers, VERSION_1 included. (Other bits are the driver's
    // to set in any order; DEVICE_NEEDS_RESET the device's.)
    if ((m_status & kStatusDriverOk) && !(m_status & kStatusFeaturesOk))
        return reader.failure("status", fmt::format("{:#x} has DRIVER_OK without FEATURES_OK", m_status));
    if (m_status & kStatusFeaturesOk) {
        if (m_driver_features & ~offered_features())
            return reader.failure("driver features", fmt::format("{:#x} are not all offered by this device ({:#x})", m_driver_features, offered_features()));
        if (!negotiated(kFeatureVersion1))
            return reader.failure("driver features", fmt::format("{:#x} lack VERSION_1", m_driver_features));
    }
    bool live = (m_status & kStatusDriverOk) && !(m_status & kStatusNeedsReset);
    for (size_t index = 0; index < m_queues.size(); ++index) {
        const auto& queue = m_queues[index];
        auto what = queue_section(index);
        // Queues are activated at DRIVER_OK, every ready one, and only then (write_status()).
        if (!(m_status & kStatusDriverOk) && queue.active())
            return reader.failure(what, "is active before DRIVER_OK");
        if (!live)
            continue; // after DEVICE_NEEDS_RESET nothing uses the queues until the driver resets
        if (queue.ready() != queue.active())
            return reader.failure(what, queue.ready() ? "is ready but was not activated" : "is active but not ready");
        if (!queue.active())
            continue;
        if (queue.event_idx() != negotiated(kFeatureEventIdx) || queue.indirect() != negotiated(kFeatureIndirectDesc))
            return reader.failure(what, "is bound to features the driver did not negotiate");
        // Devices here complete every chain they take before they return, so a queue saved
        // while quiescent has none in flight; the state could not carry one anyway.
        if (queue.in_flight() != 0)
            return reader.failure(what, fmt::format("has {} chains in flight", queue.in_flight()));
    }
    return {};
}

void MmioTransport::after_restore()
{
    std::lock_guard lock(m_device.mutex());
    // The new VM's interrupt controller hears of an interrupt the driver has not acknowledged
    // only from here; whether the old one had delivered it is unknown. A spare one costs the
    // driver a read of InterruptStatus and a look at its queues (§4.2.3.4).
    if (uint32_t pending = m_interrupt_status.load())
        raise_interrupt(pending);
    if (!m_device.active())
        return;
    auto restored = m_device.after_restore();
    if (!restored.ok())
        return fail(restored.error());
    // A notification the driver sent just before the snapshot may have been left unread in the
    // old process's eventfd: every live queue is looked at once, as a notify would have it.
    for (uint16_t index = 0; index < m_queues.size() && m_device.active(); ++index) {
        if (!m_queues[index].ready())
            continue;
        auto processed = m_device.process_queue(index);
        if (!processed.ok())
            return fail(processed.error());
    }
}

}
