#pragma once

#include "devices/console_sink.h"
#include "devices/virtio/mmio_transport.h"
#include "vmm/base/state_stream.h"
#include "vmm/bus/bus.h"
#include "vmm/event/event_loop.h"
#include "vmm/kvm/kvm_vm.h"
#include "vmm/vm/vm_config.h"

#include <memory>
#include <string>

namespace vmlet {

// Where one virtio-mmio device sits: its 4 KiB register window and its interrupt line.
struct VirtioSlot {
    uint64_t base;
    uint32_t irq;
};

// The guest's virtio devices, in the order the configuration lists them (disks, networks, vsock,
// shares, entropy, console), each behind an MMIO transport in its own slot. The guest finds them through
// `virtio_mmio.device=4K@BASE:IRQ` entries on its command line (Linux
// drivers/virtio/virtio_mmio.c), so no PCI or ACPI is needed.
class VirtioDevices {
public:
    // Opens every back-end (image files, taps, sockets): all a user can get wrong fails here,
    // before KVM is touched.
    static Result<std::unique_ptr<VirtioDevices>> create(const VmConfig& config, const GuestMemory& memory);

    // The kernel command-line entries for the devices `config` asks for.
    static Result<std::string> command_line(const VmConfig& config);

    // Maps the windows on the MMIO bus, wires notifications (ioeventfd) and interrupts (irqfd)
    // through KVM and hands the queues and back-ends to the event loop.
    Result<void> attach(const KvmVm& vm, Bus& mmio_bus, EventLoop& loop);

    // Each device's transport and model state, a section per slot ("virtio 0", ...), for a
    // snapshot of a paused machine; and back, into devices created from the same configuration.
    void save_state(StateWriter& writer) const;
    // Whether every device can be saved now (a virtio-fs share the guest has mounted cannot).
    Result<void> check_snapshot() const;
    Result<void> restore_state(StateReader& reader);
    // Once the whole machine is restored and wired, before it runs: what devices owe the guest
    // then (vsock's transport reset event, interrupts still pending, queues to look at again).
    Result<void> after_restore();

    // The virtio console, when the configuration chose it over the UART.
    ConsoleSink* console() const { return m_console; }

private:
    struct Device {
        std::unique_ptr<virtio::VirtioDevice> model;
        std::unique_ptr<virtio::MmioTransport> transport;
        VirtioSlot slot;
    };

    std::vector<Device> m_devices;
    ConsoleSink* m_console { nullptr };
};

}
