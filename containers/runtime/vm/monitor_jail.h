#pragma once

#include "vmm/base/result.h"

#include <string>
#include <vector>

namespace vmlet {

// Every VM container's monitor runs jailed (vmlet-vmm --jail: no host filesystem but the
// directories it is shown, no network, user and group 65534, no capabilities) when vmlet runs as
// root. An unprivileged vmlet's monitor is already an unprivileged user, and could not make the jail.

// The monitor's flags for its jail: "--jail", and "--snapshot-dir DIRECTORY" when it saves a
// snapshot there; none without a jail.
std::vector<std::string> monitor_jail_flags(const std::string& snapshot_directory = {});

// What the jailed monitor's user may do with a path the jail shows; only its permissions let the
// monitor in. Nothing to do without a jail.
enum class MonitorAccess {
    // The VM's socket directory (searched) and the listeners in it (connected to), through the
    // jail's group: it may neither add nor replace anything there, nor may another process of
    // that group on the host.
    Connect,
    // A directory it saves a snapshot in: its own. Only for one inside a directory closed to
    // everyone else (the store), as any process of that user on the host could write there too.
    Write,
};
Result<void> open_to_monitor(const std::string& path, MonitorAccess access);

}
