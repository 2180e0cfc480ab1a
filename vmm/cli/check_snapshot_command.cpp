#include "vmm/cli/check_snapshot_command.h"

#include "vmm/kvm/kvm_system.h"
#include "vmm/kvm/snapshot_capabilities.h"

#include <cstdlib>

namespace vmlet {

namespace {

Result<void> check()
{
    const char* device = std::getenv("VMLET_KVM_DEVICE");
    auto kvm = TRY(KvmSystem::open(device ? device : KvmSystem::kDefaultDevice));
    TRY(check_snapshot_support(kvm));
    TRY(kvm.saved_msr_indices());
    return {};
}

}

Command add_check_snapshot_command(CLI::App& app)
{
    auto* command = app.add_subcommand("check-snapshot", "Exit 0 if this host's KVM can save and restore VMs, else say why");
    return { command, [] {
                auto checked = check();
                return checked.ok() ? 0 : fail(checked.error().message());
            } };
}

}
