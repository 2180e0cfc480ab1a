#include "vmm/vm/virtio_devices.h"

#include "boot/layout.h"
#include "devices/virtio/block_device.h"
#include "devices/net/tap.h"
#include "devices/virtio/console_device.h"
#include "devices/virtio/fs_device.h"
#include "devices/virtio/net_device.h"
#include "devices/virtio/rng_device.h"
#include "devices/virtio/virtio_spec.h"
#include "devices/virtio/vsock_device.h"

#include <fcntl.h>
#include <sys/random.h>
#include <fmt/ranges.h>
#include <unistd.h>

namespace vmlet {

namespace {

// ISA interrupt lines nothing else uses (0 timer, 1 keyboard, 2 cascade, 3/4 serial, 8 RTC, 13
// FPU), then the I/O APIC's pins above 15; the MP table routes each line n to pin n.
constexpr uint32_t kFreeIrqs[] = { 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23 };
constexpr size_t kMaxDevices = std::size(kFreeIrqs);

size_t device_count(const VmConfig& config)
{
    return config.disks.size() + config.nets.size() + (config.vsock ? 1 : 0) + config.shares.size() + 1 /* rng */ + (config.console == ConsoleKind::Virtio ? 1 : 0);
}

// A random locally administered unicast address (IEEE 802: bit 1 set, bit 0 clear).
virtio::NetDevice::MacAddress random_mac()
{
    virtio::NetDevice::MacAddress mac {};
    if (::getrandom(mac.data(), mac.size(), 0) != ssize_t(mac.size()))
        mac = { 0, 0, 0, 0, 0, 1 };
    mac[0] = uint8_t((mac[0] & 0xfe) | 0x02);
    return mac;
}

Result<Tap> open_tap(const NetConfig& net)
{
    if (net.tap_fd)
        return Tap::adopt(*net.tap_fd);
    if (!net.tap.empty())
        return Tap::open(net.tap);
    return Tap::create();
}

Result<std::unique_ptr<virtio::NetDevice>> open_net(const NetConfig& net)
{
    auto tap = std::make_shared<Tap>(TRY(open_tap(net)));
    auto mac = net.mac.value_or(random_mac());
    if (net.tap.empty() && !net.tap_fd)
        fmt::print(stderr, "vmlet: network: tap {} for the guest's {:02x}\n", tap->name(), fmt::join(mac, ":"));
    UniqueFd packets(::fcntl(tap->fd(), F_DUPFD_CLOEXEC, 0));
    if (!packets.valid())
        return errno_error("dup");
    return std::make_unique<virtio::NetDevice>(std::move(packets), mac, [tap](unsigned offload) { return tap->set_offload(offload); });
}

VirtioSlot slot(size_t index) { return { layout::kVirtioMmioBase + index * virtio::mmio::kWindowSize, kFreeIrqs[index] }; }

}

Result<std::string> VirtioDevices::command_line(const VmConfig& config)
{
    size_t count = device_count(config);
    if (count > kMaxDevices)
        return make_error("too many devices ({}): a microVM has {} virtio slots", count, kMaxDevices);
    std::string line;
    for (size_t index = 0; index < count; ++index)
        line += fmt::format("{}virtio_mmio.device=4K@{:#x}:{}", index ? " " : "", slot(index).base, slot(index).irq);
    return line;
}

Result<std::unique_ptr<VirtioDevices>> VirtioDevices::create(const VmConfig& config, const GuestMemory& memory)
{
    TRY(command_line(config)); // the slot count
    std::vector<std::unique_ptr<virtio::VirtioDevice>> models;
    for (const auto& disk : config.disks)
        models.push_back(TRY(virtio::BlockDevice::open(disk.path, disk.read_only)));
    for (const auto& net : config.nets)
        models.push_back(TRY(open_net(net)));
    if (config.vsock) {
        auto vsock = virtio::VsockDevice::listen(config.vsock->guest_cid, config.vsock->socket_path);
        if (!vsock.ok())
            return vsock.error().with_context("--vsock");
        models.push_back(vsock.release_value());
    }
    for (const auto& share : config.shares)
        models.push_back(TRY_CONTEXT(virtio::FsDevice::create(share.tag, share.exports), "--share"));
    models.push_back(std::make_unique<virtio::RngDevice>());
    auto devices = std::make_unique<VirtioDevices>();
    if (config.console == ConsoleKind::Virtio) {
        auto console = std::make_unique<virtio::ConsoleDevice>(STDOUT_FILENO);
        devices->m_console = console.get();
        models.push_back(std::move(console));
    }

    for (auto& model : models) {
        auto transport = TRY(virtio::MmioTransport::create(*model, memory));
        devices->m_devices.push_back({ std::move(model), std::move(transport), slot(devices->m_devices.size()) });
    }
    return devices;
}

Result<void> VirtioDevices::attach(const KvmVm& vm, Bus& mmio_bus, EventLoop& loop)
{
    for (auto& device : m_devices) {
        auto& transport = *device.transport;
        TRY(mmio_bus.insert(transport, device.slot.base, virtio::mmio::kWindowSize));
        TRY(vm.add_irqfd(transport.interrupt_fd(), device.slot.irq));
        for (size_t queue = 0; queue < transport.queue_count(); ++queue) {
            int fd = transport.queue_notify_fd(queue);
            TRY(vm.add_mmio_eventfd(device.slot.base + virtio::mmio::kQueueNotify, uint32_t(queue), fd));
            TRY(loop.add(fd, EPOLLIN, [&transport, fd, queue](uint32_t) {
                uint64_t count;
                if (::read(fd, &count, sizeof(count)) == sizeof(count))
                    transport.process_notify(uint16_t(queue));
            }));
        }
        TRY(device.model->attach_backend(loop));
    }
    return {};
}

Result<void> VirtioDevices::check_snapshot() const
{
    for (const auto& device : m_devices)
        TRY(device.model->check_snapshot());
    return {};
}

void VirtioDevices::save_state(StateWriter& writer) const
{
    writer.u32(static_cast<uint32_t>(m_devices.size()));
    for (size_t index = 0; index < m_devices.size(); ++index)
        writer.section(fmt::format("virtio {}", index), [&](StateWriter& out) { m_devices[index].transport->save_state(out); });
}

Result<void> VirtioDevices::restore_state(StateReader& reader)
{
    auto count = TRY(reader.u32("device count"));
    if (count != m_devices.size())
        return reader.failure("device count", fmt::format("is {}, but the machine has {} virtio devices", count, m_devices.size()));
    for (size_t index = 0; index < m_devices.size(); ++index) {
        auto section = TRY(reader.section(fmt::format("virtio {}", index)));
        TRY(m_devices[index].transport->restore_state(section));
        TRY(section.expect_end());
    }
    return {};
}

Result<void> VirtioDevices::after_restore()
{
    for (auto& device : m_devices)
        device.transport->after_restore();
    return {};
}

}
