#include "containers/cli/boot_handover.h"

#include "containers/runtime/vm/monitor_binary.h"

#include <fmt/format.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace vmlet {

bool is_monitor_command(const char* name)
{
    return std::strcmp(name, "boot") == 0 || std::strcmp(name, "restore") == 0;
}

void add_monitor_commands(CLI::App& app)
{
    app.add_subcommand("boot", "Boot a Linux microVM and run CMD in it (or a shell), exiting with its status (vmlet-vmm)")->allow_extras();
    app.add_subcommand("restore", "Restore a microVM from a snapshot and run it on from there (vmlet-vmm)")->allow_extras();
}

int hand_over_to_monitor(int argc, char** argv)
{
    auto binary = monitor_binary();
    // argv[0] stays "vmlet": the monitor names itself so in its help and usage errors.
    std::vector<char*> args { argv[0] };
    for (int i = 1; i < argc; i++)
        args.push_back(argv[i]);
    args.push_back(nullptr);
    ::execv(binary.c_str(), args.data());
    return fail(fmt::format("cannot run the monitor {}: {} (install vmlet-vmm beside vmlet, or set VMLET_VMM)", binary, std::strerror(errno)));
}

}
