#include "vmm/kvm/vm_state.h"

namespace vmlet {

void write_platform_state(StateWriter& out, const VmPlatformState& state)
{
    out.raw(state.pic_master);
    out.raw(state.pic_slave);
    out.raw(state.ioapic);
    out.raw(state.pit);
    out.raw(state.clock);
}

// KVM_SET_IRQCHIP loads a chip by the chip_id inside the structure: an altered one would load
// the I/O APIC's bytes into a PIC.
static Result<kvm_irqchip> read_irqchip(StateReader& in, std::string_view what, uint32_t chip_id)
{
    auto chip = TRY(in.raw<kvm_irqchip>(what));
    if (chip.chip_id != chip_id)
        return in.failure(what, fmt::format("is chip {}, not {}", chip.chip_id, chip_id));
    return chip;
}

Result<VmPlatformState> read_platform_state(StateReader& in)
{
    VmPlatformState state {};
    state.pic_master = TRY(read_irqchip(in, "master PIC", kIrqchipPicMaster));
    state.pic_slave = TRY(read_irqchip(in, "slave PIC", kIrqchipPicSlave));
    state.ioapic = TRY(read_irqchip(in, "I/O APIC", kIrqchipIoapic));
    state.pit = TRY(in.raw<kvm_pit_state2>("PIT"));
    state.clock = TRY(in.raw<kvm_clock_data>("KVM clock"));
    return state;
}

}
