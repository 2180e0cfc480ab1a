#pragma once

#include "vmm/base/result.h"
#include "vmm/vm/stop_state.h"
#include "vmm/vm/vm_config.h"

#include <string>

namespace vmlet {

// The guest kernel command line for `config`: vmlet's settings, the virtio devices, the user's
// extra text and the command for init.
Result<std::string> guest_command_line(const VmConfig& config);

// Builds a microVM from `config` top to bottom (memory, kernel, KVM, devices, vCPUs), runs it
// until the guest stops or vmlet is told to, and says why it stopped. Errors before the guest
// starts (bad kernel, no KVM) are returned as errors; everything after is a StopReason.
Result<StopReason> run_vm(const VmConfig& config);

}
