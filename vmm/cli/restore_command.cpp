#include "vmm/cli/restore_command.h"

#include "vmm/cli/cgroup_flag.h"
#include "vmm/cli/machine_session.h"
#include "vmm/cli/sandbox_flags.h"
#include "vmm/snapshot/restore.h"
#include "vmm/vm/device_options.h"

#include <cstdlib>
#include <memory>

namespace vmlet {

namespace {

constexpr const char* kRestoreFooter = R"(
A snapshot is a directory that `vmlet vm snapshot SOCKET DIR` wrote (or the control API's
"snapshot"). The VM goes on where it was saved, with the same vCPUs, RAM and devices; its RAM is
mapped copy-on-write from DIR/memory, so any number of VMs restored from one snapshot share the
pages they do not write. Disks, taps and the vsock socket are opened anew: where the snapshot had
them, unless --disk, --net or --vsock say otherwise (each --disk and --net replaces the snapshot's
in order, as many as it had; all --share with one TAG replace the directories of the snapshot's
share with that tag). Vsock connections open at the snapshot are reset; listening sockets
in the guest keep listening.

EXAMPLES
  vmlet boot --api-socket /tmp/a.sock -- sh -c 'sleep 5; echo done'
  vmlet vm snapshot /tmp/a.sock /tmp/snap && vmlet vm stop /tmp/a.sock
  vmlet restore /tmp/snap                  prints done and exits 0, as the original would have
  vmlet restore /tmp/snap --vsock cid=3,uds=/tmp/other.sock --api-socket /tmp/b.sock

EXIT STATUS
  As vmlet boot: the guest command's, 0 when the guest powers off or is stopped through the
  control socket, 128+N after signal N, 125 when the snapshot is refused (another vmlet version,
  a truncated or altered file, another kind of machine) or vmlet fails.
)";

struct RestoreFlags {
    std::string directory;
    std::vector<std::string> disks, nets, shares;
    std::string vsock, api_socket;
    bool exit_with_parent = false;
    std::vector<std::string> cgroups;
    SandboxFlags sandbox;
};

Result<RestoreOverrides> overrides_of(const RestoreFlags& flags)
{
    RestoreOverrides overrides;
    if (!flags.disks.empty()) {
        overrides.disks.emplace();
        for (const auto& disk : flags.disks)
            overrides.disks->push_back(TRY(parse_disk_option(disk)));
    }
    if (!flags.nets.empty()) {
        overrides.nets.emplace();
        for (const auto& net : flags.nets)
            overrides.nets->push_back(TRY(parse_net_option(net)));
    }
    if (!flags.vsock.empty())
        overrides.vsock = TRY(parse_vsock_option(flags.vsock));
    for (const auto& share : flags.shares)
        TRY(add_share_option(overrides.shares, share));
    if (const char* device = std::getenv("VMLET_KVM_DEVICE"))
        overrides.kvm_device = device;
    return overrides;
}

int run_restore(const RestoreFlags& flags)
{
    if (flags.exit_with_parent && !exit_with_parent())
        return fail("--exit-with-parent: the parent has exited");
    if (auto joined = join_cgroups(flags.cgroups); !joined.ok())
        return fail(joined.error().message());
    auto started = std::chrono::steady_clock::now();
    auto overrides = overrides_of(flags);
    if (!overrides.ok())
        return fail(overrides.error().message());
    auto restored = restore_machine(flags.directory, overrides.value());
    if (!restored.ok())
        return fail(restored.error().message());
    SessionOptions session { .run = { .console_input = restored.value().console_input, .boot_timer = false, .started = started },
        .api_socket = flags.api_socket, .sandbox = sandbox_options(flags.sandbox) };
    return run_session(std::move(restored.value().machine), session);
}

}

Command add_restore_command(CLI::App& app)
{
    auto flags = std::make_shared<RestoreFlags>();
    auto* restore = app.add_subcommand("restore", "Restore a microVM from a snapshot and run it on from there");
    restore->add_option("snapshot", flags->directory, "The snapshot's directory")->required();
    restore->add_option("--disk", flags->disks, "A disk in place of the snapshot's (repeatable, in order): PATH[,ro]")->allow_extra_args(false);
    restore->add_option("--net", flags->nets, "A network interface in place of the snapshot's (repeatable, in order): tap=NAME, fd=N (an inherited tap) or auto")
        ->allow_extra_args(false);
    restore->add_option("--vsock", flags->vsock, "The vsock device's host side anew: cid=N,uds=PATH");
    restore->add_option("--share", flags->shares,
            "The directories of the snapshot's share tagged TAG, in place of its own (repeatable): HOST_DIR:TAG[,ro][,name=NAME], or :TAG for none")
        ->allow_extra_args(false);
    restore->add_option("--api-socket", flags->api_socket, "Serve the control API on this Unix socket");
    restore->add_flag("--exit-with-parent", flags->exit_with_parent, "Stop the VM when the process that started vmlet exits");
    add_cgroup_flag(*restore, flags->cgroups);
    add_sandbox_flags(*restore, flags->sandbox);
    restore->footer(kRestoreFooter);
    return { restore, [flags] { return run_restore(*flags); } };
}

}
