#include "containers/runtime/sandbox_factory.h"

#include "containers/runtime/layer_files.h"
#include "containers/runtime/process/process_sandbox.h"
#include "containers/runtime/vm/image_disk.h"
#include "containers/runtime/vm/vm_sandbox.h"

#include <algorithm>
#include <cmath>

namespace vmlet {

namespace {

// A VM container's RAM without --memory, and the least vmlet-vmm boots (vmm/vm/vm_config.h
// refuses less): a smaller limit is rounded up to it.
constexpr uint64_t kDefaultVmMemoryMib = 256;
constexpr uint64_t kMinimumVmMemoryMib = 32;

Result<VmSandboxOptions> vm_options(const image::Store& store, const image::ImageRecord& image, const ContainerSpec& spec,
    bool publish_ports)
{
    VmSandboxOptions options;
    ImageDiskSource source { std::string(image.id.hex()), spec.rootfs.lower_dirs, image.size() };
    options.disk = TRY(image_disk(store.root(), store.temp_path("disk"), source));
    options.user = TRY(resolve_user_in_layers(spec.rootfs.lower_dirs, spec.user));
    constexpr uint64_t kMib = 1 << 20;
    options.memory_mib = spec.limits.memory_bytes ? std::max(kMinimumVmMemoryMib, (*spec.limits.memory_bytes + kMib - 1) / kMib) : kDefaultVmMemoryMib;
    options.cpus = spec.limits.cpus ? static_cast<uint32_t>(std::max(1.0, std::ceil(*spec.limits.cpus))) : 1;
    options.publish_ports = publish_ports;
    return options;
}

}

Result<SandboxStarter> prepare_sandbox(const SandboxPlan& plan, const image::Store& store, const image::ImageRecord& image,
    const ContainerSpec& spec)
{
    switch (plan.isolation) {
    case Isolation::Process:
        return SandboxStarter([](const std::string& id, const ContainerSpec& container, const StdioFds& stdio) -> Result<std::unique_ptr<Sandbox>> {
            return std::unique_ptr<Sandbox>(TRY(ProcessSandbox::start(id, container, stdio)));
        });
    case Isolation::Vm: {
        auto options = TRY(vm_options(store, image, spec, plan.publish_ports));
        return SandboxStarter([options](const std::string& id, const ContainerSpec& container, const StdioFds& stdio) -> Result<std::unique_ptr<Sandbox>> {
            return std::unique_ptr<Sandbox>(TRY(VmSandbox::start(id, container, stdio, options)));
        });
    }
    }
    return make_error("unknown isolation");
}

}
