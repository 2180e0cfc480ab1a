#include "vmm/vm/boot_registers.h"

#include <cstring>

namespace vmlet {

static kvm_segment to_kvm_segment(const SegmentState& segment)
{
    kvm_segment kvm {};
    kvm.base = segment.base;
    kvm.limit = segment.limit;
    kvm.selector = segment.selector;
    kvm.type = segment.type;
    kvm.present = segment.present;
    kvm.dpl = segment.dpl;
    kvm.db = segment.default_big;
    kvm.s = segment.system_or_code_data;
    kvm.l = segment.long_mode;
    kvm.g = segment.granularity;
    kvm.unusable = segment.present ? 0 : 1;
    return kvm;
}

Result<void> load_boot_registers(const KvmVcpu& vcpu, const BootCpuState& state)
{
    auto sregs = TRY(vcpu.get_sregs());
    sregs.cs = to_kvm_segment(state.code);
    sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = to_kvm_segment(state.data);
    sregs.tr = to_kvm_segment(state.task);
    sregs.gdt.base = state.gdt_base;
    sregs.gdt.limit = state.gdt_limit;
    sregs.idt.base = state.idt_base;
    sregs.idt.limit = state.idt_limit;
    sregs.cr0 = state.cr0;
    sregs.cr3 = state.cr3;
    sregs.cr4 = state.cr4;
    sregs.efer = state.efer;
    TRY(vcpu.set_sregs(sregs));

    kvm_regs regs {};
    regs.rip = state.rip;
    regs.rsp = state.rsp;
    regs.rbp = state.rsp;
    regs.rsi = state.rsi;
    regs.rbx = state.rbx;
    regs.rflags = state.rflags;
    return vcpu.set_regs(regs);
}

// Intel SDM vol. 3, 10.5.1: local vector table registers and their delivery-mode field.
constexpr size_t kApicLvtLint0 = 0x350;
constexpr size_t kApicLvtLint1 = 0x360;
constexpr uint32_t kDeliveryModeMask = 0x700;
constexpr uint32_t kDeliveryModeNmi = 0x400;
constexpr uint32_t kDeliveryModeExtInt = 0x700;

static void set_delivery_mode(kvm_lapic_state& lapic, size_t offset, uint32_t mode)
{
    uint32_t value;
    std::memcpy(&value, lapic.regs + offset, sizeof(value));
    value = (value & ~kDeliveryModeMask) | mode;
    std::memcpy(lapic.regs + offset, &value, sizeof(value));
}

Result<void> configure_local_apic(const KvmVcpu& vcpu)
{
    auto lapic = TRY(vcpu.get_lapic());
    set_delivery_mode(lapic, kApicLvtLint0, kDeliveryModeExtInt);
    set_delivery_mode(lapic, kApicLvtLint1, kDeliveryModeNmi);
    return vcpu.set_lapic(lapic);
}

}
