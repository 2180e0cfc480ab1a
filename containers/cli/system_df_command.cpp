#include "containers/cli/system_df_command.h"

#include "containers/cli/human_units.h"
#include "containers/cli/with_image_store.h"
#include "containers/runtime/container_store.h"
#include "containers/runtime/disk_usage.h"
#include "containers/runtime/vm/vm_template.h"
#include "containers/runtime/volume/volume_store.h"

#include <fmt/format.h>

#include <set>

namespace vmlet {

namespace {

// One line of the table: how many, how many in use, their size, and the unused ones' size.
struct Usage {
    size_t total { 0 }, active { 0 };
    uint64_t size { 0 }, reclaimable { 0 };

    void add(uint64_t bytes, bool in_use)
    {
        ++total;
        size += bytes;
        if (in_use)
            ++active;
        else
            reclaimable += bytes;
    }
};

std::string row(const std::string& type, const Usage& usage)
{
    auto percent = usage.size ? usage.reclaimable * 100 / usage.size : 0;
    return fmt::format("{:<15} {:<9} {:<9} {:<9} {} ({}%)\n", type, usage.total, usage.active, human_size(usage.size), human_size(usage.reclaimable), percent);
}

Result<void> show(const std::string& root, const image::Store& store, const image::ImageIndex& index)
{
    auto containers = TRY(ContainerStore::open(root));
    auto records = TRY(containers.all());
    std::set<std::string> images_used, volumes_used;
    Usage container_usage;
    for (const auto& record : records) {
        images_used.insert(record.image_id);
        for (const auto& mount : record.mounts)
            if (mount.kind == MountSpec::Kind::Volume)
                volumes_used.insert(mount.source);
        // Its writable layer, logs and (VM) layer disk: all that `rm` frees.
        container_usage.add(allocated_bytes_under(containers.directory(record.id)), record.state == ContainerState::Running);
    }
    // An image's size is its layers' as `images` shows it (unpacked), as Docker's df counts.
    Usage image_usage;
    for (const auto& image : TRY(index.all()))
        image_usage.add(image.size(), images_used.contains(image.id.string()));
    Usage volume_usage;
    auto volumes = TRY(VolumeStore::open(root));
    for (const auto& volume : TRY(volumes.list()))
        volume_usage.add(allocated_bytes_under(volume.mountpoint), volumes_used.contains(volume.name));
    // A template in use is one a container can still restore (its image's disk is unchanged).
    Usage template_usage;
    for (const auto& info : TRY(VmTemplates(store.root()).list()))
        template_usage.add(info.disk_bytes, info.usable);
    fmt::print("{:<15} {:<9} {:<9} {:<9} {}\n", "TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
    fmt::print("{}{}{}{}", row("Images", image_usage), row("Containers", container_usage), row("Local Volumes", volume_usage),
        row("VM Templates", template_usage));
    return {};
}

}

Command add_system_df_command(CLI::App& app, const GlobalOptions& global)
{
    auto* group = app.add_subcommand("system", "Commands on vmlet as a whole: df");
    group->require_subcommand(1);
    auto* command = group->add_subcommand("df", "Show the disk space images, containers, volumes and VM templates take");
    return { command, [&global] {
                return with_image_store(global, StoreAccess::Read,
                    [&](const image::Store& store, const image::ImageIndex& index) { return show(global.root, store, index); });
            } };
}

}
