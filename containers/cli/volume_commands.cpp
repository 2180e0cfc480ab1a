#include "containers/cli/volume_commands.h"

#include "containers/cli/with_record_store.h"
#include "containers/runtime/container_store.h"
#include "containers/runtime/volume/volume_store.h"
#include "vmm/cli/usage_errors.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>

namespace vmlet {

namespace {

struct VolumeFlags {
    std::string name;
    std::vector<std::string> names;
    bool force { false };
    bool quiet { false }; // ls -q
};

// docker volume inspect's shape (the local driver's fields).
nlohmann::json inspect_json(const Volume& volume)
{
    return { { "CreatedAt", volume.created }, { "Driver", "local" }, { "Labels", nlohmann::json::object() },
        { "Mountpoint", volume.mountpoint }, { "Name", volume.name }, { "Options", nlohmann::json::object() }, { "Scope", "local" },
        { "Anonymous", volume.anonymous } };
}

// Which container, stopped ones too, has `volume` among its mounts (Docker: such a volume is in use).
Result<std::function<std::string(const std::string&)>> users_of_volumes(const std::string& root)
{
    auto containers = TRY(ContainerStore::open(root));
    auto records = TRY(containers.all());
    return std::function<std::string(const std::string&)>([records = std::move(records)](const std::string& volume) {
        for (const auto& record : records)
            for (const auto& mount : record.mounts)
                if (mount.kind == MountSpec::Kind::Volume && mount.source == volume)
                    return record.name;
        return std::string();
    });
}

}

std::vector<Command> add_volume_commands(CLI::App& app, const GlobalOptions& global)
{
    auto flags = std::make_shared<VolumeFlags>();
    auto* group = app.add_subcommand("volume", "Volumes: directories of the store that containers of both isolations mount, kept after them");
    group->require_subcommand(1);
    group->footer(R"(
`run -v NAME:/path` makes the volume NAME on first use. Process containers get it as a bind mount,
VM containers over virtio-fs; what one wrote, the other reads.)");

    auto* create = group->add_subcommand("create", "Create a volume");
    create->add_option("name", flags->name, "The volume's name (default: made up)");
    auto* list = group->add_subcommand("ls", "List the volumes");
    list->add_flag("-q,--quiet", flags->quiet, "Only their names");
    auto* inspect = group->add_subcommand("inspect", "Show volumes in detail, as JSON");
    inspect->add_option("volume", flags->names, "Names")->required();
    auto* remove = group->add_subcommand("rm", "Remove volumes that no container uses, with their data");
    remove->add_option("volume", flags->names, "Names")->required();
    auto* prune = group->add_subcommand("prune", "Remove every volume no container uses");
    prune->add_flag("-f,--force", flags->force, "Do not ask (vmlet never asks; accepted for docker's users)");

    std::vector<Command> commands;
    commands.push_back({ create, [flags, &global] {
                            return with_record_store<VolumeStore>(global, [&](const VolumeStore& store) -> Result<void> {
                                auto lock = TRY(store.lock());
                                fmt::print("{}\n", TRY(store.ensure(flags->name)).name);
                                return {};
                            });
                        } });
    commands.push_back({ list, [flags, &global] {
                            return with_record_store<VolumeStore>(global, [&](const VolumeStore& store) -> Result<void> {
                                if (!flags->quiet)
                                    fmt::print("{:<10} {}\n", "DRIVER", "VOLUME NAME");
                                for (const auto& volume : TRY(store.list()))
                                    fmt::print("{}\n", flags->quiet ? volume.name : fmt::format("{:<10} {}", "local", volume.name));
                                return {};
                            });
                        } });
    commands.push_back({ inspect, [flags, &global] {
                            return with_record_store<VolumeStore>(global, [&](const VolumeStore& store) -> Result<void> {
                                return print_inspected(store, flags->names, [](const auto& record) { return inspect_json(record); });
                            });
                        } });
    commands.push_back({ remove, [flags, &global] {
                            return with_record_store<VolumeStore>(global, [&](const VolumeStore& store) -> Result<void> {
                                auto lock = TRY(store.lock());
                                auto in_use = TRY(users_of_volumes(global.root));
                                for (const auto& name : flags->names) {
                                    TRY(store.remove(name, in_use));
                                    fmt::print("{}\n", name);
                                }
                                return {};
                            });
                        } });
    commands.push_back({ prune, [&global] {
                            return with_record_store<VolumeStore>(global, [&](const VolumeStore& store) -> Result<void> {
                                auto lock = TRY(store.lock());
                                auto in_use = TRY(users_of_volumes(global.root));
                                fmt::print("Deleted Volumes:\n");
                                for (const auto& volume : TRY(store.list())) {
                                    if (!in_use(volume.name).empty())
                                        continue;
                                    TRY(store.remove(volume.name, in_use));
                                    fmt::print("{}\n", volume.name);
                                }
                                return {};
                            });
                        } });
    return commands;
}

}
