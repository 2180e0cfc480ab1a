#pragma once

#include "vmm/sandbox/monitor_sandbox.h"

#include <CLI/CLI.hpp>

#include <string>

namespace vmlet {

// The flags of the monitor's own defences, alike on boot and restore.
struct SandboxFlags {
    std::string seccomp = "on";
    bool jail = false;
    uid_t jail_uid = 65534;
    gid_t jail_gid = 65534;
    std::string snapshot_directory;
};

void add_sandbox_flags(CLI::App& command, SandboxFlags& flags);
SandboxOptions sandbox_options(const SandboxFlags& flags);

}
