#pragma once

#include "vmm/base/state_stream.h"
#include "vmm/vm/machine.h"

namespace vmlet {

// What a snapshot records of the machine it was taken of, besides the state of its parts: the
// configuration a restore rebuilds it from (vCPUs, RAM, devices and their back-ends, console),
// a checksum of the CPUID its vCPUs had (a restore on a host that would give other CPUID is
// refused: the guest kernel chose its code paths by it), and whether the guest's init had started.
struct MachineShape {
    VmConfig config;
    uint32_t cpuid_checksum { 0 };
    bool init_reached { false };
    bool console_input { false }; // the guest ran a shell on its console, fed from standard input
};

MachineShape shape_of(Machine& machine);
uint32_t cpuid_checksum(const std::vector<std::vector<kvm_cpuid_entry2>>& cpuid);

void write_machine_shape(StateWriter& writer, const MachineShape& shape);
Result<MachineShape> read_machine_shape(StateReader& reader);

}
