#include "containers/cli/container_group_commands.h"

#include "containers/cli/container_inspect.h"
#include "containers/cli/go_template.h"
#include "containers/cli/human_units.h"
#include "containers/runtime/container.h"
#include "containers/runtime/disk_usage.h"

#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <string>

namespace vmlet {

namespace {

struct InspectOptions {
    std::vector<std::string> names;
    std::string format;
};

// docker container inspect: containers only, no image by that name.
Command add_inspect(CLI::App& group, const GlobalOptions& global)
{
    auto options = std::make_shared<InspectOptions>();
    auto* command = group.add_subcommand("inspect", "Show containers' details as JSON");
    command->add_option("container", options->names, "Container names or ids")->required();
    command->add_option("-f,--format", options->format, "A Go template of each one's fields, as docker's: '{{.State.Status}}'");
    return { command, [options, &global] {
                auto all = nlohmann::json::array();
                for (const auto& name : options->names) {
                    auto container = inspect_container_named(global.root, name);
                    if (!container)
                        return fail(fmt::format("no such container: {}", name));
                    all.push_back(std::move(*container));
                }
                auto printed = print_inspected(all, options->format);
                return printed.ok() ? 0 : fail(printed.error().message());
            } };
}

struct PruneOptions {
    bool force = false;
};

// docker container prune: every container not running (created or exited) goes, with its
// writable layer; Docker asks first unless -f.
int prune(const GlobalOptions& global, const PruneOptions& options)
{
    if (!options.force) {
        fmt::print("WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ");
        std::fflush(stdout);
        std::string answer;
        std::getline(std::cin, answer);
        if (answer != "y" && answer != "Y")
            return 0;
    }
    auto store = ContainerStore::open(global.root);
    if (!store.ok())
        return fail(store.error().message());
    auto records = store.value().all();
    if (!records.ok())
        return fail(records.error().message());
    std::string deleted;
    uint64_t reclaimed = 0;
    for (const auto& record : records.value()) {
        if (record.state == ContainerState::Running)
            continue;
        auto size = allocated_bytes_under(store.value().directory(record.id));
        auto container = Container::open(global.root, record.id);
        // One that is gone meanwhile (another prune, its --rm) is not this prune's.
        if (!container.ok())
            continue;
        auto removed = container.value().remove(false);
        if (!removed.ok())
            return fail(removed.error().message());
        deleted += record.id + "\n";
        reclaimed += size;
    }
    if (!deleted.empty())
        fmt::print("Deleted Containers:\n{}\n", deleted);
    fmt::print("Total reclaimed space: {}\n", human_size(reclaimed));
    return 0;
}

}

std::vector<Command> add_container_group_commands(CLI::App& app, const GlobalOptions& global)
{
    auto* group = app.add_subcommand("container", "Commands on containers: inspect, prune");
    group->require_subcommand(1);
    auto options = std::make_shared<PruneOptions>();
    auto* prune_command = group->add_subcommand("prune", "Remove all stopped containers");
    prune_command->add_flag("-f,--force", options->force, "Do not ask for confirmation");
    return { add_inspect(*group, global), { prune_command, [options, &global] { return prune(global, *options); } } };
}

}
