#pragma once

#include "vmm/base/result.h"

#include <string>
#include <vector>

namespace vmlet {

// Every VM container's monitor runs jailed (vmlet-vmm --jail: no host filesystem but the
// directories it is shown, no network, user 65534, no capabilities) when vmlet runs as root. An
// unprivileged vmlet's monitor is already an unprivileged user, and could not make the jail.
bool monitor_jailed();

// The monitor's flags for its jail: {"--jail"} when jailed, else none.
std::vector<std::string> monitor_jail_flags();

// Gives the jailed monitor's user `path` (the VM's socket directory, a listener the guest connects
// to, a directory it saves a snapshot in): the jail shows such a path, but only its permissions let
// the monitor in. Nothing to do without a jail.
Result<void> open_to_monitor(const std::string& path);

}
