#include "containers/cli/vm_commands.h"

#include "containers/runtime/vm/vm_control.h"

#include <fmt/format.h>

#include <memory>

namespace vmlet {

namespace {

struct VmFlags {
    std::string action, socket, directory;
};

int run_vm_action(const VmFlags& flags)
{
    auto control = VmControl::connect(flags.socket);
    if (!control.ok())
        return fail(control.error().message());
    Result<void> done;
    if (flags.action == "status") {
        auto status = control.value().request({ { "op", "status" } }, std::chrono::seconds(30));
        if (!status.ok())
            return fail(status.error().message());
        const auto& answer = status.value();
        fmt::print("{} (pid {}, {} vCPU, {} MiB)\n", answer.value("state", std::string("unknown")), answer.value("pid", 0),
            answer.value("vcpus", 0), answer.value("memory_mib", 0));
        return 0;
    }
    if (flags.action == "snapshot") {
        if (flags.directory.empty())
            return fail("vm snapshot: give the directory to save the VM in (vmlet vm snapshot SOCKET DIR)");
        done = control.value().snapshot(flags.directory);
    } else if (flags.action == "pause") {
        done = control.value().pause();
    } else if (flags.action == "resume") {
        done = control.value().resume();
    } else {
        done = control.value().stop();
    }
    if (!done.ok())
        return fail(done.error().message());
    return 0;
}

}

Command add_vm_command(CLI::App& app)
{
    auto flags = std::make_shared<VmFlags>();
    auto* vm = app.add_subcommand("vm", "Control a running microVM through its control socket (vmlet boot --api-socket)");
    vm->add_option("action", flags->action, "status, pause, resume, snapshot or stop")
        ->required()
        ->check(CLI::IsMember({ "status", "pause", "resume", "snapshot", "stop" }));
    vm->add_option("socket", flags->socket, "The VM's control socket")->required();
    vm->add_option("directory", flags->directory, "snapshot: the directory to save the VM in (then: vmlet restore DIR)");
    vm->footer(R"(
EXAMPLES
  vmlet boot --api-socket /tmp/vm.sock -- sleep 600 &
  vmlet vm status /tmp/vm.sock             running (pid 4242, 1 vCPU, 256 MiB)
  vmlet vm pause /tmp/vm.sock              every vCPU stopped; vmlet vm resume goes on
  vmlet vm snapshot /tmp/vm.sock /tmp/snap saved (the VM pauses for it, then goes on)
  vmlet vm stop /tmp/vm.sock               the VM stops; its vmlet exits 0
  vmlet restore /tmp/snap                  another VM from the snapshot)");
    return { vm, [flags] { return run_vm_action(*flags); } };
}

}
