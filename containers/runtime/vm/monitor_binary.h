#pragma once

#include <string>

namespace vmlet {

// The vmlet-vmm binary that runs every VM: VMLET_VMM when set, else the one beside this vmlet
// (scripts/setup.sh installs both into one directory, and the build puts both in its top).
std::string monitor_binary();

}
