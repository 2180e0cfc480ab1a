#pragma once

#include "vmm/cli/command.h"

#include <string>

namespace vmlet {

// What every subcommand can see of vmlet's global options.
struct GlobalOptions {
    std::string root; // the image and container store (--root, VMLET_ROOT, /var/lib/vmlet)
};

}
