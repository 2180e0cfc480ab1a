#include "containers/cli/image_prune_command.h"

#include "containers/cli/human_units.h"
#include "containers/cli/with_image_store.h"
#include "containers/image/image_removal.h"
#include "containers/runtime/container_store.h"
#include "containers/runtime/vm/vm_template.h"

#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <set>

namespace vmlet {

namespace {

struct PruneOptions {
    bool all = false, force = false;
};

// Docker's rule (https://docs.docker.com/engine/reference/commandline/image_prune/): dangling images
// (no name), or with -a every image no container uses; an image a container runs from always stays.
Result<void> prune(const std::string& root, const image::Store& store, const image::ImageIndex& index, const PruneOptions& options)
{
    auto containers = TRY(ContainerStore::open(root));
    std::set<std::string> in_use;
    for (const auto& record : TRY(containers.all()))
        in_use.insert(record.image_id);
    auto user = [&](const image::Digest& id) -> std::optional<std::string> {
        if (in_use.contains(id.string()))
            return std::string("a container");
        return std::nullopt;
    };
    std::string lines;
    uint64_t reclaimed = 0;
    for (const auto& image : TRY(index.all())) {
        if (in_use.contains(image.id.string()) || (!options.all && !image.tags.empty()))
            continue;
        // By id, with force: an image of several names goes whole, as -a means.
        for (const auto& line : TRY(image::remove_image(store, index, image.id.string(), true, user)))
            lines += line + "\n";
        reclaimed += image.size();
    }
    // A removed image's disk is gone, and with it what its VM templates need.
    TRY(VmTemplates(store.root()).prune());
    if (!lines.empty())
        fmt::print("Deleted Images:\n{}\n", lines);
    fmt::print("Total reclaimed space: {}\n", human_size(reclaimed));
    return {};
}

}

Command add_image_prune_command(CLI::App& app, const GlobalOptions& global)
{
    auto options = std::make_shared<PruneOptions>();
    auto* group = app.add_subcommand("image", "Commands on images: prune");
    group->require_subcommand(1);
    auto* command = group->add_subcommand("prune", "Remove unused images: those without a name, or with -a every one no container uses");
    command->add_flag("-a,--all", options->all, "Every image no container uses, not only those without a name");
    command->add_flag("-f,--force", options->force, "Do not ask for confirmation");
    return { command, [options, &global] {
                if (!options->force) {
                    fmt::print("WARNING! This will remove all {}.\nAre you sure you want to continue? [y/N] ",
                        options->all ? "images without at least one container associated to them" : "dangling images");
                    std::fflush(stdout);
                    std::string answer;
                    std::getline(std::cin, answer);
                    if (answer != "y" && answer != "Y")
                        return 0;
                }
                return with_image_store(global, StoreAccess::Change,
                    [&](const image::Store& store, const image::ImageIndex& index) { return prune(global.root, store, index, *options); });
            } };
}

}
