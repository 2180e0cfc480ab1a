#pragma once

#include "vmm/base/result.h"
#include "vmm/base/state_stream.h"

#include <linux/kvm.h>

namespace vmlet {

// KVM_GET_IRQCHIP's chip_id for each in-kernel interrupt controller (api.rst 4.26).
constexpr uint32_t kIrqchipPicMaster = KVM_IRQCHIP_PIC_MASTER;
constexpr uint32_t kIrqchipPicSlave = KVM_IRQCHIP_PIC_SLAVE;
constexpr uint32_t kIrqchipIoapic = KVM_IRQCHIP_IOAPIC;

// The VM-wide state KVM emulates for vmlet (KvmVm::create_platform): the two 8259 PICs, the I/O
// APIC and the PIT, and the KVM clock. The local APICs belong to the vCPUs (VcpuState).
struct VmPlatformState {
    kvm_irqchip pic_master;
    kvm_irqchip pic_slave;
    kvm_irqchip ioapic;
    kvm_pit_state2 pit;
    kvm_clock_data clock;
};

// KVM's structures byte for byte (vmm/base/state_stream.h).
void write_platform_state(StateWriter& out, const VmPlatformState& state);
// Refuses structures of another size, and an interrupt controller saved as another chip.
Result<VmPlatformState> read_platform_state(StateReader& in);

}
