#include "containers/runtime/sandbox_factory.h"

#include "containers/image/image_config.h"
#include "containers/runtime/layer_files.h"
#include "containers/runtime/user_lookup.h"
#include "containers/runtime/run_spec.h"
#include "containers/runtime/process/process_sandbox.h"
#include "containers/runtime/process/process_security.h"
#include "containers/runtime/vm/image_disk.h"
#include "containers/runtime/vm/layer_disk.h"
#include "containers/runtime/vm/vm_sandbox.h"
#include "containers/runtime/vm/vm_template.h"

#include <algorithm>
#include <cmath>

namespace vmlet {

namespace {

// A VM container's RAM without --memory, and the least vmlet-vmm boots (vmm/vm/vm_config.h
// refuses less): a smaller limit is rounded up to it.
constexpr uint64_t kDefaultVmMemoryMib = 256;
constexpr uint64_t kMinimumVmMemoryMib = 32;

// The VM's size: the container's memory limit is its RAM, --cpus rounded up to whole vCPUs.
void size_vm(VmSandboxOptions& options, const ResourceLimits& limits)
{
    constexpr uint64_t kMib = 1 << 20;
    options.memory_mib = limits.memory_bytes ? std::max(kMinimumVmMemoryMib, (*limits.memory_bytes + kMib - 1) / kMib) : kDefaultVmMemoryMib;
    options.cpus = limits.cpus ? static_cast<uint32_t>(std::max(1.0, std::ceil(*limits.cpus))) : 1;
}

// What a template's agent reads ahead for its clones (TemplateShape::warm_files): the image's
// default command wherever its PATH would find it, and the shell that `sh -c` runs.
Result<std::vector<std::string>> warm_files(const image::Store& store, const image::ImageRecord& image)
{
    constexpr size_t kMaxWarmFiles = 16;
    auto config_bytes = TRY(store.read_blob(image.id));
    auto config = TRY(image::ImageConfig::parse(config_bytes));
    std::vector<std::string> files;
    auto add = [&](const std::string& file) {
        if (files.size() < kMaxWarmFiles && std::find(files.begin(), files.end(), file) == files.end())
            files.push_back(file);
    };
    auto argv = config.entrypoint;
    argv.insert(argv.end(), config.cmd.begin(), config.cmd.end());
    if (!argv.empty() && argv.front().find('/') != std::string::npos) {
        add(argv.front());
    } else if (!argv.empty()) {
        auto path = path_variable(config.env);
        for (size_t start = 0; start <= path.size();) {
            auto end = std::min(path.find(':', start), path.size());
            if (end > start && path[start] == '/')
                add(path.substr(start, end - start) + "/" + argv.front());
            start = end + 1;
        }
    }
    add("/bin/sh");
    return files;
}

Result<std::string> disk_of(const image::Store& store, const image::ImageRecord& image)
{
    ImageDiskSource source { std::string(image.id.hex()), image::overlay_lower_dirs(store, image), image.size() };
    return image_disk(store.root(), store.temp_path("disk"), source);
}

Result<VmSandboxOptions> vm_options(const image::Store& store, const image::ImageRecord& image, const ContainerSpec& spec,
    bool publish_ports)
{
    VmSandboxOptions options;
    options.disk = TRY(disk_of(store, image));
    options.user = TRY(resolve_user_in_layers(spec.rootfs.lower_dirs, spec.user));
    size_vm(options, spec.limits);
    options.publish_ports = publish_ports;
    return options;
}

}

namespace {

Result<PreparedSandbox> prepare_process_sandbox(const ContainerSpec& spec)
{
    // Refused now, with the record still a reservation, rather than as the container's 125.
    TRY(resolve_process_security(spec.security));
    PreparedSandbox prepared;
    prepared.start = [](const std::string& id, const ContainerSpec& container, const StdioFds& stdio) -> Result<std::unique_ptr<Sandbox>> {
        return std::unique_ptr<Sandbox>(TRY(ProcessSandbox::start(id, container, stdio)));
    };
    return prepared;
}

}

Result<PreparedSandbox> prepare_bundle_sandbox(Isolation isolation, const ContainerSpec& spec, const std::string& vm_store_root)
{
    if (isolation == Isolation::Process)
        return prepare_process_sandbox(spec);
    // The bundle's process settings inside the guest (capabilities, seccomp, no_new_privileges)
    // are not applied: the VM is the boundary, as under `vmlet run --isolation=vm`, and the agent
    // runs the command as the bundle's numeric user.
    VmSandboxOptions options;
    options.disk = TRY(bundle_image_disk(vm_store_root + "/disks"));
    options.user = TRY(resolve_exec_user(spec.user, std::nullopt, std::nullopt));
    size_vm(options, spec.limits);
    PreparedSandbox prepared;
    std::string why_not;
    TemplateShape shape { "oci-bundle", options.disk, options.memory_mib, options.cpus, {} };
    options.template_dir = TRY(VmTemplates(vm_store_root).find_or_build(shape, why_not));
    if (!options.template_dir)
        prepared.notices.push_back(fmt::format("no template for this VM ({}): it boots", why_not));
    prepared.start = [options](const std::string& id, const ContainerSpec& container, const StdioFds& stdio) -> Result<std::unique_ptr<Sandbox>> {
        return std::unique_ptr<Sandbox>(TRY(VmSandbox::start(id, container, stdio, options)));
    };
    return prepared;
}

Result<PreparedSandbox> prepare_sandbox(const SandboxPlan& plan, const image::Store& store, const image::ImageRecord& image,
    const ContainerSpec& spec)
{
    PreparedSandbox prepared;
    switch (plan.isolation) {
    case Isolation::Process:
        return prepare_process_sandbox(spec);
    case Isolation::Vm: {
        TRY(check_vm_security(spec.security));
        auto options = TRY(vm_options(store, image, spec, plan.publish_ports));
        if (plan.use_template) {
            std::string why_not;
            auto warm = TRY(warm_files(store, image)); // not inside the braces: a return there leaks what they hold (clang)
            TemplateShape shape { std::string(image.id.hex()), options.disk, options.memory_mib, options.cpus, std::move(warm) };
            options.template_dir = TRY(VmTemplates(store.root()).find_or_build(shape, why_not));
            if (!options.template_dir)
                prepared.notices.push_back(fmt::format("no template for this VM ({}): it boots", why_not));
        }
        prepared.start = [options](const std::string& id, const ContainerSpec& container, const StdioFds& stdio) -> Result<std::unique_ptr<Sandbox>> {
            return std::unique_ptr<Sandbox>(TRY(VmSandbox::start(id, container, stdio, options)));
        };
        return prepared;
    }
    }
    return make_error("unknown isolation");
}

Result<std::string> build_vm_template(const image::Store& store, const image::ImageRecord& image, const ResourceLimits& limits)
{
    VmSandboxOptions options;
    options.disk = TRY(disk_of(store, image));
    size_vm(options, limits);
    std::string why_not;
    auto warm = TRY(warm_files(store, image));
    TemplateShape shape { std::string(image.id.hex()), options.disk, options.memory_mib, options.cpus, std::move(warm) };
    auto built = TRY(VmTemplates(store.root()).find_or_build(shape, why_not));
    if (!built)
        return make_error("no template: {}", why_not);
    return *built;
}

}
