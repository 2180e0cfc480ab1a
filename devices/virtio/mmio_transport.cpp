#include "devices/virtio/mmio_transport.h"

#include "devices/virtio/virtio_spec.h"

#include <fmt/core.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstring>

namespace vmlet::virtio {

using namespace mmio;

namespace {

// Transport features every device gets: modern only (§6.1 VERSION_1), indirect tables (fewer
// descriptors for the driver to fill per request) and event index suppression (fewer exits and
// interrupts, each of which costs interpreted guest kernel work on PVM hosts).
constexpr uint64_t kTransportFeatures = feature(kFeatureVersion1) | feature(kFeatureEventIdx) | feature(kFeatureIndirectDesc);

Result<UniqueFd> make_eventfd()
{
    int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0)
        return errno_error("eventfd");
    return UniqueFd(fd);
}

void signal_eventfd(int fd)
{
    uint64_t one = 1;
    // Only fails when the counter would overflow, and then the reader is already woken.
    (void)!::write(fd, &one, sizeof(one));
}

uint32_t low_half(uint64_t value) { return uint32_t(value); }
uint32_t high_half(uint64_t value) { return uint32_t(value >> 32); }
uint64_t with_low(uint64_t value, uint32_t low) { return (value & ~uint64_t(UINT32_MAX)) | low; }
uint64_t with_high(uint64_t value, uint32_t high) { return (value & UINT32_MAX) | (uint64_t(high) << 32); }

}

Result<std::unique_ptr<MmioTransport>> MmioTransport::create(VirtioDevice& device, const GuestMemory& memory)
{
    auto interrupt = TRY(make_eventfd());
    std::vector<UniqueFd> notify;
    for (size_t index = 0; index < device.queue_max_sizes().size(); ++index)
        notify.push_back(TRY(make_eventfd()));
    return std::unique_ptr<MmioTransport>(new MmioTransport(device, memory, std::move(interrupt), std::move(notify)));
}

MmioTransport::MmioTransport(VirtioDevice& device, const GuestMemory& memory, UniqueFd interrupt, std::vector<UniqueFd> notify)
    : m_device(device)
    , m_memory(memory)
    , m_interrupt(std::move(interrupt))
    , m_notify(std::move(notify))
{
    for (auto size : device.queue_max_sizes())
        m_queues.emplace_back(size);
}

uint32_t MmioTransport::status()
{
    std::lock_guard lock(m_device.mutex());
    return m_status;
}

uint64_t MmioTransport::offered_features() const { return m_device.device_features() | kTransportFeatures; }

void MmioTransport::read(uint64_t offset, std::span<uint8_t> data)
{
    std::memset(data.data(), 0, data.size());
    std::lock_guard lock(m_device.mutex());
    if (offset >= kConfig) {
        m_device.read_config(offset - kConfig, data);
        return;
    }
    // §4.2.2.2: registers are read with 32-bit aligned accesses; anything else reads as zero.
    if (data.size() != 4 || offset % 4 != 0)
        return;
    uint32_t value = read_register(offset);
    std::memcpy(data.data(), &value, 4);
}

void MmioTransport::write(uint64_t offset, std::span<const uint8_t> data)
{
    std::lock_guard lock(m_device.mutex());
    if (offset >= kConfig) {
        m_device.write_config(offset - kConfig, data);
        return;
    }
    if (data.size() != 4 || offset % 4 != 0)
        return;
    uint32_t value;
    std::memcpy(&value, data.data(), 4);
    write_register(offset, value);
}

uint32_t MmioTransport::read_register(uint64_t offset)
{
    bool queue_valid = m_queue_select < m_queues.size();
    switch (offset) {
    case kMagicValue:
        return kMagic;
    case kVersionReg:
        return kVersion;
    case kDeviceId:
        return m_device.device_id();
    case kVendorIdReg:
        return kVendorId;
    case kDeviceFeatures:
        return m_device_features_select == 0 ? low_half(offered_features())
            : m_device_features_select == 1  ? high_half(offered_features())
                                             : 0;
    case kQueueNumMax:
        // 0 tells the driver the selected queue does not exist (§4.2.3.2).
        return queue_valid ? m_queues[m_queue_select].max_size() : 0;
    case kQueueReady:
        return queue_valid && m_queues[m_queue_select].ready();
    case kInterruptStatus:
        return m_interrupt_status.load();
    case kStatusReg:
        return m_status;
    case kShmLenLow:
    case kShmLenHigh:
        return UINT32_MAX; // no shared memory regions: length -1 (§4.2.2)
    case kConfigGeneration:
        return m_config_generation;
    default:
        return 0;
    }
}

void MmioTransport::write_register(uint64_t offset, uint32_t value)
{
    bool features_locked = m_status & (kStatusFeaturesOk | kStatusDriverOk | kStatusFailed);
    switch (offset) {
    case kDeviceFeaturesSel:
        m_device_features_select = value;
        return;
    case kDriverFeaturesSel:
        m_driver_features_select = value;
        return;
    case kDriverFeatures:
        // §3.1.1: features are fixed once FEATURES_OK is set; later writes are ignored.
        if (features_locked || m_driver_features_select > 1)
            return;
        m_driver_features = m_driver_features_select == 0 ? with_low(m_driver_features, value) : with_high(m_driver_features, value);
        return;
    case kQueueSel:
        m_queue_select = value;
        return;
    case kQueueNotify:
        // Reached only where no ioeventfd took the write: hand it to the same eventfd.
        if (value < m_queues.size() && (m_status & kStatusDriverOk))
            signal_eventfd(m_notify[value].get());
        return;
    case kInterruptAck:
        m_interrupt_status.fetch_and(~value);
        return;
    case kStatusReg:
        write_status(value);
        return;
    default:
        write_queue_register(offset, value);
        return;
    }
}

void MmioTransport::write_queue_register(uint64_t offset, uint32_t value)
{
    // §4.2.3.2: a queue is configured while not ready, before DRIVER_OK. Writes to a queue that
    // does not exist or is live are ignored.
    if (m_queue_select >= m_queues.size() || (m_status & (kStatusDriverOk | kStatusFailed)))
        return;
    auto& queue = m_queues[m_queue_select];
    auto& config = queue.config();
    if (config.ready && offset != kQueueReady)
        return;
    switch (offset) {
    case kQueueNum:
        config.size = value > UINT16_MAX ? 0 : uint16_t(value); // checked against the maximum at DRIVER_OK
        return;
    case kQueueReady:
        config.ready = value == 1;
        return;
    case kQueueDescLow:
        config.descriptors = GuestAddress(with_low(config.descriptors.value(), value));
        return;
    case kQueueDescHigh:
        config.descriptors = GuestAddress(with_high(config.descriptors.value(), value));
        return;
    case kQueueDriverLow:
        config.driver_area = GuestAddress(with_low(config.driver_area.value(), value));
        return;
    case kQueueDriverHigh:
        config.driver_area = GuestAddress(with_high(config.driver_area.value(), value));
        return;
    case kQueueDeviceLow:
        config.device_area = GuestAddress(with_low(config.device_area.value(), value));
        return;
    case kQueueDeviceHigh:
        config.device_area = GuestAddress(with_high(config.device_area.value(), value));
        return;
    default:
        return;
    }
}

void MmioTransport::write_status(uint32_t value)
{
    if (value == 0) {
        reset_device();
        return;
    }
    // §2.1.2: the driver only ever adds bits (or writes 0 to reset); anything else is ignored.
    // DEVICE_NEEDS_RESET is the device's to set and stays until the reset.
    uint32_t needs_reset = m_status & kStatusNeedsReset;
    uint32_t current = m_status & ~kStatusNeedsReset;
    value &= ~kStatusNeedsReset;
    if ((value & current) != current)
        return;
    uint32_t added = value & ~current;
    if (added & kStatusFeaturesOk) {
        // §3.1.1 step 5-6: accept only a subset of what was offered, with VERSION_1; otherwise
        // FEATURES_OK does not stick and the driver sees that when it reads the status back.
        bool subset = (m_driver_features & ~offered_features()) == 0;
        if (!subset || !negotiated(kFeatureVersion1))
            value &= ~kStatusFeaturesOk;
    }
    if ((added & kStatusDriverOk) && !(value & kStatusFeaturesOk))
        value &= ~kStatusDriverOk;
    m_status = value | needs_reset;
    if ((added & kStatusDriverOk) && (m_status & kStatusDriverOk) && !needs_reset) {
        for (auto& queue : m_queues) {
            if (!queue.ready())
                continue;
            auto activated = queue.activate(m_memory, negotiated(kFeatureEventIdx), negotiated(kFeatureIndirectDesc));
            if (!activated.ok()) {
                fail(activated.error());
                return;
            }
        }
        m_device.bind(this);
        auto started = m_device.activate();
        if (!started.ok())
            fail(started.error());
    }
}

void MmioTransport::reset_device()
{
    if (m_device.active())
        m_device.reset();
    m_device.bind(nullptr);
    for (auto& queue : m_queues)
        queue.reset();
    m_status = 0;
    m_driver_features = 0;
    m_device_features_select = 0;
    m_driver_features_select = 0;
    m_queue_select = 0;
    m_interrupt_status = 0;
}

void MmioTransport::process_notify(uint16_t queue)
{
    std::lock_guard lock(m_device.mutex());
    if (!m_device.active() || queue >= m_queues.size() || !m_queues[queue].ready())
        return;
    auto processed = m_device.process_queue(queue);
    if (!processed.ok())
        fail(processed.error());
}

void MmioTransport::raise_interrupt(uint32_t bits)
{
    m_interrupt_status.fetch_or(bits);
    signal_eventfd(m_interrupt.get());
}

void MmioTransport::interrupt_used() { raise_interrupt(kInterruptUsedBuffer); }

void MmioTransport::fail(const Error& error)
{
    // §2.1.2: the device stops using its queues and tells a live driver through a configuration
    // change interrupt. The guest cannot make vmlet log without bound: once per reset.
    if (!(m_status & kStatusNeedsReset))
        fmt::print(stderr, "vmlet: virtio device {}: {}; it needs a reset\n", m_device.device_id(), error.message());
    if (m_device.active())
        m_device.reset();
    m_device.bind(nullptr);
    m_status |= kStatusNeedsReset;
    if (m_status & kStatusDriverOk)
        raise_interrupt(kInterruptConfigChange);
}

}
