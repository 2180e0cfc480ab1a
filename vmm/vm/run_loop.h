#pragma once

#include "vmm/vm/control_channel.h"
#include "vmm/vm/machine.h"

#include <chrono>

namespace vmlet {

struct RunOptions {
    // Standard input goes to the guest's console (a shell, no command given).
    bool console_input { false };
    // Print when the first vCPU ran and when the guest's init started, from `started`.
    bool boot_timer { false };
    std::chrono::steady_clock::time_point started {};
    ControlChannel* control { nullptr };
    // What the VM's threads run first, and what the main thread runs once they have started
    // (vmm/sandbox: their seccomp filters), before it serves anything.
    ThreadSetups threads {};
    ThreadSetup main_thread {};
};

// Runs a built or restored machine until the guest stops or vmlet is told to, and says why:
// SIGINT, SIGTERM and SIGHUP stop it cleanly, console input goes to the guest, and the control
// channel is served in between.
Result<StopReason> run_machine(Machine& machine, const RunOptions& options);

}
