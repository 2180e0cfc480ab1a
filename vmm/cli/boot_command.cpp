#include "vmm/cli/boot_command.h"

#include "vmm/cli/cgroup_flag.h"
#include "vmm/cli/machine_session.h"
#include "vmm/cli/sandbox_flags.h"
#include "vmm/vm/builder.h"
#include "vmm/vm/device_options.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>

namespace vmlet {

namespace {

constexpr const char* kBootFooter = R"(
EXAMPLES
  vmlet boot -- echo hello             run one command in a fresh microVM
  vmlet boot -- sh -c 'exit 7'         vmlet exits with the command's status, 7
  vmlet boot --cpus 2 --memory 512 -- nproc
  vmlet boot                           an interactive shell on the guest console (Ctrl-A x quits)
  vmlet boot --kernel bzImage --initrd initrd.img --cmdline 'root=/dev/vda'
  vmlet boot --disk data.img --net auto -- sh     a disk (/dev/vda) and a tap vmlet makes and removes
  vmlet boot --vsock cid=3,uds=/tmp/v.sock -- vsockcat connect 5000
                                       the guest reaches a host listener at /tmp/v.sock_5000
  vmlet boot --share /srv/data:data -- sh -c 'mount -t virtiofs data /mnt && ls /mnt'
                                       a host directory in the guest (virtio-fs); ,ro for read-only

EXIT STATUS
  The exit status of CMD inside the guest (128+N if a signal N killed it), 0 when the guest
  powers off by itself, 128+N when vmlet is stopped by signal N, and 125 when vmlet fails or the
  guest crashes (a one-line message on standard error says why).

ENVIRONMENT
  VMLET_KVM_DEVICE   the KVM device to open (default /dev/kvm)

FILES
  )" VMLET_DATADIR R"(/vmlinux          the bundled guest kernel
  )" VMLET_DATADIR R"(/initramfs.cpio   the bundled initramfs: vmlet's init and busybox
)";

Result<void> parse_device_options(VmConfig& config, const std::vector<std::string>& disks, const std::vector<std::string>& nets, const std::string& vsock,
    const std::vector<std::string>& shares)
{
    for (const auto& share : shares)
        TRY(add_share_option(config.shares, share));
    for (const auto& disk : disks)
        config.disks.push_back(TRY(parse_disk_option(disk)));
    for (const auto& net : nets)
        config.nets.push_back(TRY(parse_net_option(net)));
    if (!vsock.empty())
        config.vsock = TRY(parse_vsock_option(vsock));
    return {};
}

// The options of `vmlet boot`, bound to the parser and read once it has parsed.
struct BootOptions {
    VmConfig config;
    std::string initrd_path = VMLET_DATADIR "/initramfs.cpio";
    bool no_initrd = false;
    std::string backing = "hugepages";
    std::vector<std::string> disks, nets, shares;
    std::string vsock, console = "serial";
    bool print_command_line = false;
    bool exit_with_parent = false;
    std::string api_socket;
    std::vector<std::string> cgroups;
    SandboxFlags sandbox;
};

int run_boot_command(BootOptions& options)
{
    // vmlet run's VMs: a container's VM lives no longer than its monitor.
    if (options.exit_with_parent && !exit_with_parent())
        return fail("--exit-with-parent: the parent has exited");
    if (auto joined = join_cgroups(options.cgroups); !joined.ok())
        return fail(joined.error().message());
    auto& config = options.config;
    if (!options.no_initrd)
        config.initrd_path = options.initrd_path;
    static const std::map<std::string, MemoryBacking> backings {
        { "plain", MemoryBacking::Plain }, { "hugepages", MemoryBacking::HugePages }, { "populate", MemoryBacking::Populate }
    };
    config.memory_backing = backings.at(options.backing);
    config.console = options.console == "virtio" ? ConsoleKind::Virtio : ConsoleKind::Serial;
    auto devices = parse_device_options(config, options.disks, options.nets, options.vsock, options.shares);
    if (!devices.ok())
        return fail(devices.error().message());
    if (options.print_command_line) {
        auto line = guest_command_line(config);
        if (!line.ok())
            return fail(line.error().message());
        fmt::print("{}\n", line.value());
        return 0;
    }
    if (const char* device = std::getenv("VMLET_KVM_DEVICE"))
        config.kvm_device = device;
    auto started = std::chrono::steady_clock::now();
    auto machine = build_machine(config);
    if (!machine.ok())
        return fail(machine.error().message());
    SessionOptions session { .run = { .console_input = config.command.empty(), .boot_timer = config.boot_timer, .started = started },
        .api_socket = options.api_socket, .sandbox = sandbox_options(options.sandbox) };
    return run_session(machine.release_value(), session);
}

}

Command add_boot_command(CLI::App& app)
{
    auto options = std::make_shared<BootOptions>();
    auto& config = options->config;
    config.kernel_path = VMLET_DATADIR "/vmlinux";
    auto* boot = app.add_subcommand("boot", "Boot a Linux microVM and run CMD in it (or a shell), exiting with its status");
    boot->add_option("--kernel", config.kernel_path, "Guest kernel: an ELF vmlinux (PVH or 64-bit entry) or a bzImage")->capture_default_str();
    boot->add_option("--initrd", options->initrd_path, "Initramfs (uncompressed or as the kernel accepts it)")->capture_default_str();
    boot->add_flag("--no-initrd", options->no_initrd, "Boot without an initramfs");
    boot->add_option("--cmdline", config.extra_command_line, "Extra text for the guest kernel command line");
    boot->add_option("--cpus", config.cpus, "Number of vCPUs")->capture_default_str();
    boot->add_option("--memory", config.memory_mib, "Guest RAM in MiB")->capture_default_str();
    boot->add_option("--memory-backing", options->backing, "How guest RAM is backed: plain, hugepages (THP, faulted lazily) or populate (all up front)")
        ->check(CLI::IsMember({ "plain", "hugepages", "populate" }))
        ->capture_default_str();
    boot->add_option("--disk", options->disks, "A raw disk image as /dev/vdX (repeatable): PATH[,ro]; ro makes the device refuse writes")
        ->allow_extra_args(false);
    boot->add_option("--net", options->nets, "A network interface over a tap device (repeatable): tap=NAME[,mac=MAC] for an existing tap, fd=N[,mac=MAC] for a tap open at inherited descriptor N, or auto[,mac=MAC] to create one for this VM")
        ->allow_extra_args(false);
    boot->add_option("--vsock", options->vsock, "A vsock device: cid=N,uds=PATH; host clients connect to PATH and send 'CONNECT PORT', guest connections to port P reach PATH_P");
    boot->add_option("--share", options->shares,
            "A host directory the guest mounts with 'mount -t virtiofs TAG DIR' (repeatable): HOST_DIR:TAG[,ro][,name=NAME]; several with one TAG "
            "and a name each appear as subdirectories of one share; :TAG makes a share with no directory (restore gives it some); ro refuses writes")
        ->allow_extra_args(false);
    boot->add_option("--console", options->console, "The guest console: serial (8250 UART, ttyS0) or virtio (virtio-console, hvc0)")
        ->check(CLI::IsMember({ "serial", "virtio" }))
        ->capture_default_str();
    boot->add_flag("--boot-timer", config.boot_timer, "Print when the first vCPU ran and when the guest's init started");
    boot->add_flag("--print-cmdline", options->print_command_line, "Print the guest kernel command line vmlet would use, and exit");
    boot->add_flag("--exit-with-parent", options->exit_with_parent, "Stop the VM when the process that started vmlet exits");
    boot->add_option("--api-socket", options->api_socket, "Serve the control API on this Unix socket (status, pause, resume, snapshot, stop; see 'vmlet vm')");
    add_cgroup_flag(*boot, options->cgroups);
    add_sandbox_flags(*boot, options->sandbox);
    boot->add_option("command", config.command, "Command run by the guest's init, after --");
    boot->footer(kBootFooter);
    return { boot, [options] { return run_boot_command(*options); } };
}

}
