#include "containers/cli/pause_commands.h"

#include "containers/runtime/container_pause.h"

#include <fmt/format.h>

#include <memory>
#include <string>

namespace vmlet {

namespace {

using Change = Result<void> (*)(const ContainerStore&, const ContainerRecord&);

Command add_change(CLI::App& app, const GlobalOptions& global, const char* name, const char* description, Change change)
{
    auto names = std::make_shared<std::vector<std::string>>();
    auto* command = app.add_subcommand(name, description);
    command->add_option("container", *names, "Container names or ids")->required();
    return { command, [names, &global, change] {
                auto store = ContainerStore::open(global.root);
                if (!store.ok())
                    return fail(store.error().message());
                for (const auto& each : *names) {
                    auto record = store.value().find(each);
                    if (!record.ok())
                        return fail(record.error().message());
                    auto changed = change(store.value(), record.value());
                    if (!changed.ok())
                        return fail(changed.error().message());
                    fmt::print("{}\n", each);
                }
                return 0;
            } };
}

}

std::vector<Command> add_pause_commands(CLI::App& app, const GlobalOptions& global)
{
    return { add_change(app, global, "pause", "Pause all processes of containers", pause_container),
        add_change(app, global, "unpause", "Resume the processes of paused containers", unpause_container) };
}

}
