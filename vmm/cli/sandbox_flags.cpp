#include "vmm/cli/sandbox_flags.h"

namespace vmlet {

void add_sandbox_flags(CLI::App& command, SandboxFlags& flags)
{
    command.add_option("--seccomp", flags.seccomp, "Each thread of the monitor may make only the system calls it needs, or is killed (off: for debugging)")
        ->check(CLI::IsMember({ "on", "off" }))
        ->capture_default_str();
    auto* jail = command.add_flag("--jail", flags.jail,
        "Once everything is open: new mount, network and IPC namespaces whose root shows only the vsock socket's directory (read-only) and --snapshot-dir, as an unprivileged user with no capabilities, who must be able to connect to the vsock listeners (needs root)");
    command.add_option("--jail-uid", flags.jail_uid, "The user the jailed monitor runs as")->capture_default_str()->needs(jail);
    command.add_option("--jail-gid", flags.jail_gid, "The group the jailed monitor runs as")->capture_default_str()->needs(jail);
    command.add_option("--snapshot-dir", flags.snapshot_directory,
            "With --jail: the directory the jail keeps writable, where the control socket may save snapshots (the jail's user must be able to write it)")
        ->needs(jail);
}

SandboxOptions sandbox_options(const SandboxFlags& flags)
{
    SandboxOptions options { .seccomp = flags.seccomp == "on", .jail = std::nullopt, .snapshot_directory = std::nullopt };
    if (flags.jail)
        options.jail = JailOptions { .uid = flags.jail_uid, .gid = flags.jail_gid, .mounts = {} };
    if (!flags.snapshot_directory.empty())
        options.snapshot_directory = flags.snapshot_directory;
    return options;
}

}
