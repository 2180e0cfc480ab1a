#pragma once

#include "vmm/base/result.h"
#include "vmm/vm/machine.h"
#include "vmm/vm/vm_config.h"

#include <memory>
#include <string>

namespace vmlet {

// The guest kernel command line for `config`: vmlet's settings, the virtio devices, the user's
// extra text and the command for init.
Result<std::string> guest_command_line(const VmConfig& config);

// Builds a microVM for a cold boot from `config`, top to bottom: memory, the kernel and initrd in
// it, KVM, devices, vCPUs, and the boot registers. Everything a user can get wrong fails here,
// before any guest code runs; run it with run_machine() (run_loop.h).
Result<std::unique_ptr<Machine>> build_machine(const VmConfig& config);

}
