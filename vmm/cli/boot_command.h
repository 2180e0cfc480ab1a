#pragma once

#include "vmm/cli/command.h"

namespace vmlet {

// `vmlet boot`: one microVM from a kernel, an initramfs and devices.
Command add_boot_command(CLI::App& app);

}
