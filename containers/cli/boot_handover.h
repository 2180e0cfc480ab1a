#pragma once

#include "vmm/cli/command.h"

namespace vmlet {

// The commands that belong to the monitor (`vmlet boot`): vmlet lists them in its help and hands
// them over to vmlet-vmm whole, so that the VM's process is the lean one.
bool is_monitor_command(const char* name);

// Lists the monitor's commands in vmlet's own help; they never parse there.
void add_monitor_commands(CLI::App& app);

// Replaces this process with `vmlet-vmm ARGS...` (args[0] is the command's name). Returns only
// when that fails, with vmlet's exit status for it, having said why.
int hand_over_to_monitor(int argc, char** argv);

}
