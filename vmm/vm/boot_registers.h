#pragma once

#include "boot/cpu_state.h"
#include "vmm/base/result.h"
#include "vmm/kvm/kvm_vcpu.h"

namespace vmlet {

// Loads the boot protocol's entry state (boot/) into the boot vCPU.
Result<void> load_boot_registers(const KvmVcpu& vcpu, const BootCpuState& state);

// Routes the 8259 to LINT0 (ExtINT) and NMIs to LINT1, as the MP table says (boot/mptable.cpp).
Result<void> configure_local_apic(const KvmVcpu& vcpu);

}
