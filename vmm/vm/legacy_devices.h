#pragma once

#include "devices/legacy/exit_port.h"
#include "devices/legacy/i8042.h"
#include "devices/legacy/serial_8250.h"
#include "vmm/bus/bus.h"
#include "vmm/kvm/kvm_vm.h"
#include "vmm/vm/stop_state.h"

namespace vmlet {

// An interrupt line of the in-kernel PIC and I/O APIC, driven from a device model.
class KvmInterruptLine final : public InterruptLine {
public:
    KvmInterruptLine(const KvmVm& vm, uint32_t irq)
        : m_vm(vm)
        , m_irq(irq)
    {
    }
    void set_level(bool asserted) override { (void)m_vm.set_irq_line(m_irq, asserted); }

private:
    const KvmVm& m_vm;
    uint32_t m_irq;
};

// The platform devices every microVM has, wired to the port bus and to the stop state: the 8250
// console, the i8042 (whose reset line powers the VM off) and vmlet's exit port (init's exit
// status and its start mark).
struct LegacyDevices {
    KvmInterruptLine serial_line;
    Serial8250 serial;
    I8042 i8042;
    ExitPort exit_port;

    LegacyDevices(const KvmVm& vm, StopState& stop);
    Result<void> attach(Bus& port_bus);
};

}
