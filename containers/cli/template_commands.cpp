#include "containers/cli/template_commands.h"

#include "containers/cli/human_units.h"
#include "containers/cli/with_image_store.h"
#include "containers/runtime/sandbox_factory.h"
#include "containers/runtime/vm/vm_template.h"

#include <fmt/format.h>

#include <ctime>
#include <memory>

namespace vmlet {

namespace {

struct TemplateFlags {
    std::string image, memory, key;
    double cpus = 0;
};

Result<void> build(const image::Store& store, const image::ImageIndex& index, const TemplateFlags& flags)
{
    auto image = TRY(index.find(flags.image));
    ResourceLimits limits;
    if (!flags.memory.empty())
        limits.memory_bytes = TRY_CONTEXT(parse_byte_size(flags.memory), "--memory");
    if (flags.cpus > 0)
        limits.cpus = flags.cpus;
    auto directory = TRY(build_vm_template(store, image, limits));
    fmt::print("{}\n", directory.substr(directory.rfind('/') + 1));
    return {};
}

Result<void> list(const image::Store& store, const image::ImageIndex& index)
{
    auto templates = TRY(VmTemplates(store.root()).list());
    auto now = std::time(nullptr);
    fmt::print("{:<34} {:<24} {:<8} {:<6} {:<10} {:<16} {}\n", "TEMPLATE", "IMAGE", "MEMORY", "CPUS", "SIZE", "CREATED", "USABLE");
    for (const auto& info : templates) {
        auto image = index.find(info.image_hex);
        auto name = image.ok() && !image.value().tags.empty() ? image.value().tags.front() : info.image_hex.substr(0, 12);
        fmt::print("{:<34} {:<24} {:<8} {:<6} {:<10} {:<16} {}\n", info.key, name, fmt::format("{}M", info.memory_mib), info.cpus,
            human_size(info.disk_bytes), time_ago(info.created, now), info.usable ? "yes" : "no (vmlet or the image changed)");
    }
    return {};
}

}

std::vector<Command> add_template_commands(CLI::App& app, const GlobalOptions& global)
{
    auto flags = std::make_shared<TemplateFlags>();
    auto* group = app.add_subcommand("template", "VM templates: each image's agent VM, saved once and restored for every VM container");
    group->require_subcommand(1);
    group->footer(R"(
A VM container (vmlet run --isolation=vm) restores its image's template: the image's agent VM,
booted once with the image's root mounted and saved where it waits for a container. The first VM
container of an image builds it (or vmlet template build); --no-template boots instead. A
template is made for each memory size and vCPU count, and for this vmlet's kernel, initramfs and
monitor: when one of them changes, the next run builds a new template and prune removes the old.)");

    auto* build_command = group->add_subcommand("build", "Build the template of an image now (as its first VM container would)");
    build_command->add_option("image", flags->image, "The image")->required();
    build_command->add_option("-m,--memory", flags->memory, "The containers' memory limit (their VM's RAM)");
    build_command->add_option("--cpus", flags->cpus, "The containers' CPU limit (whole vCPUs, rounded up)");
    auto* list_command = group->add_subcommand("ls", "List the templates");
    auto* remove_command = group->add_subcommand("rm", "Remove a template");
    remove_command->add_option("template", flags->key, "The template's key (or a unique prefix)")->required();
    auto* prune_command = group->add_subcommand("prune", "Remove the templates no longer usable");

    std::vector<Command> commands;
    commands.push_back({ build_command, [flags, &global] {
                            return with_image_store(global, StoreAccess::Read, [&](const image::Store& store, const image::ImageIndex& index) { return build(store, index, *flags); });
                        } });
    commands.push_back({ list_command, [&global] {
                            return with_image_store(global, StoreAccess::Read, [&](const image::Store& store, const image::ImageIndex& index) { return list(store, index); });
                        } });
    commands.push_back({ remove_command, [flags, &global] {
                            return with_image_store(global, StoreAccess::Change, [&](const image::Store& store, const image::ImageIndex&) -> Result<void> {
                                TRY(VmTemplates(store.root()).remove(flags->key));
                                fmt::print("{}\n", flags->key);
                                return {};
                            });
                        } });
    commands.push_back({ prune_command, [&global] {
                            return with_image_store(global, StoreAccess::Change, [&](const image::Store& store, const image::ImageIndex&) -> Result<void> {
                                auto removed = TRY(VmTemplates(store.root()).prune());
                                fmt::print("Removed {} template{}\n", removed, removed == 1 ? "" : "s");
                                return {};
                            });
                        } });
    return commands;
}

}
