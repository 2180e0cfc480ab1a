#include "vmm/cli/sandbox_flags.h"

namespace vmlet {

void add_sandbox_flags(CLI::App& command, SandboxFlags& flags)
{
    command.add_option("--seccomp", flags.seccomp, "Each thread of the monitor may make only the system calls it needs, or is killed (off: for debugging)")
        ->check(CLI::IsMember({ "on", "off" }))
        ->capture_default_str();
}

SandboxOptions sandbox_options(const SandboxFlags& flags)
{
    return { .seccomp = flags.seccomp == "on" };
}

}
