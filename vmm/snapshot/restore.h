#pragma once

#include "vmm/base/result.h"
#include "vmm/vm/machine.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vmlet {

// The back-ends a restored VM gets anew (`vmlet restore DIR --disk ... --net ... --vsock ...`):
// each list, when given, replaces the snapshot's own in order and must be as long; what is not
// given is opened again where the snapshot says (its disk files, taps, vsock socket path).
struct RestoreOverrides {
    std::optional<std::vector<DiskConfig>> disks;
    std::optional<std::vector<NetConfig>> nets;
    std::optional<VsockConfig> vsock;
    // Each replaces the exports of the snapshot's share with its tag.
    std::vector<ShareConfig> shares;
    std::string kvm_device { "/dev/kvm" };
};

// What a restore needs to run the machine as the original ran.
struct RestoredMachine {
    std::unique_ptr<Machine> machine;
    bool console_input { false };
};

// Rebuilds the machine saved in `directory`: its guest RAM mapped copy-on-write from the memory
// file, KVM's state of every vCPU and of the interrupt controllers, PIT and clock, and every
// device's, with vsock connections reset (the guest is told). Refused with one line, before
// anything runs: a directory that holds no snapshot, one from another vmlet version, a truncated or
// altered state or memory file, and a host that would give the vCPUs other CPUID.
Result<RestoredMachine> restore_machine(const std::string& directory, const RestoreOverrides& overrides);

}
