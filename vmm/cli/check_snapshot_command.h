#pragma once

#include "vmm/cli/command.h"

namespace vmlet {

// `vmlet-vmm check-snapshot`: exits 0 when this host's KVM can save and restore VMs, else 125 with
// the reason; vmlet asks before it builds a VM template.
Command add_check_snapshot_command(CLI::App& app);

}
