#include "vmm/vm/builder.h"

#include "boot/layout.h"
#include "boot/linux_boot.h"
#include "vmm/base/file.h"
#include "vmm/vm/boot_registers.h"
#include "vmm/base/host.h"
#include "vmm/vm/kernel_cmdline.h"
#include "vmm/vm/virtio_devices.h"

namespace vmlet {

namespace {

// Copies the kernel and initrd into guest memory. The files are mapped only for the copy, so their
// pages do not stay in vmlet's resident set for the life of the VM.
Result<LinuxBoot> load_guest_images(const GuestMemory& memory, const VmConfig& config, const std::string& command_line)
{
    auto kernel_file = TRY_CONTEXT(MappedFile::open(config.kernel_path), "kernel");
    std::optional<MappedFile> initrd_file;
    if (config.initrd_path)
        initrd_file = TRY_CONTEXT(MappedFile::open(*config.initrd_path), "initrd");
    LinuxBootSpec spec { kernel_file.bytes(), std::nullopt, command_line, config.cpus };
    if (initrd_file)
        spec.initrd = initrd_file->bytes();
    return TRY_CONTEXT(load_linux(memory, spec), config.kernel_path);
}

}

Result<std::string> guest_command_line(const VmConfig& config)
{
    auto host = is_pvm_host() ? HostKind::Pvm : HostKind::Kvm;
    auto extra = TRY(VirtioDevices::command_line(config));
    // The last console= names /dev/console, which init's standard streams use.
    if (config.console == ConsoleKind::Virtio)
        extra += " console=hvc0";
    if (!config.extra_command_line.empty())
        extra += " " + config.extra_command_line;
    return build_kernel_command_line(host, extra, config.command);
}

Result<std::unique_ptr<Machine>> build_machine(const VmConfig& config)
{
    TRY(validate_config(config));
    auto command_line = TRY(guest_command_line(config));
    auto memory = TRY(GuestMemory::create(layout::ram_regions(config.memory_mib << 20), config.memory_backing));
    auto boot = TRY(load_guest_images(memory, config, command_line));
    auto machine = TRY(Machine::create(config, std::move(memory)));
    // Application processors wait for INIT/SIPI from the boot CPU, handled inside KVM.
    TRY(load_boot_registers(machine->vcpus().front(), boot.cpu));
    return machine;
}

}
