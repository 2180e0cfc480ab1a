
#include "containers/cli/boot_handover.h"
#include "containers/cli/cli.h"
#include "containers/cli/compare_command.h"
#include "containers/cli/container_commands.h"
#include "containers/cli/container_group_commands.h"
#include "containers/cli/cp_command.h"
#include "containers/cli/image_commands.h"
#include "containers/cli/image_prune_command.h"
#include "containers/cli/lifecycle_commands.h"
#include "containers/cli/login_commands.h"
#include "containers/cli/network_commands.h"
#include "containers/cli/pause_commands.h"
#include "containers/cli/pull_command.h"
#include "containers/cli/run_command.h"
#include "containers/cli/stats_command.h"
#include "containers/cli/template_commands.h"
#include "containers/cli/port_rename_commands.h"
#include "containers/cli/system_df_command.h"
#include "containers/cli/top_command.h"
#include "containers/cli/vm_commands.h"
#include "containers/cli/volume_commands.h"
#include "vmm/cli/usage_errors.h"

#include <fmt/format.h>

#include <cstdlib>

namespace vmlet {

int run_cli(int argc, char** argv)
{
    if (argc > 1 && is_monitor_command(argv[1]))
        return hand_over_to_monitor(argc, argv);
    CLI::App app { "vmlet: a small KVM hypervisor that boots Linux microVMs and runs container images in them", "vmlet" };
    app.require_subcommand(1);
    app.footer("Run 'vmlet COMMAND --help' for a command's options.");

    GlobalOptions global;
    const char* root = std::getenv("VMLET_ROOT");
    global.root = root ? root : "/var/lib/vmlet";
    app.add_option("--root", global.root, "Where images and containers are kept (or VMLET_ROOT)")->capture_default_str();
    // Global options may also follow the command name (`vmlet images --root DIR`).
    app.fallthrough();

    add_monitor_commands(app);
    std::vector<Command> commands { add_pull_command(app, global), add_run_command(app, global), add_create_command(app, global), add_vm_command(app) };
    for (auto& command : add_image_commands(app, global))
        commands.push_back(std::move(command));
    for (auto& command : add_container_commands(app, global))
        commands.push_back(std::move(command));
    for (auto& command : add_container_group_commands(app, global))
        commands.push_back(std::move(command));
    commands.push_back(add_cp_command(app, global));
    commands.push_back(add_image_prune_command(app, global));
    commands.push_back(add_top_command(app, global));
    commands.push_back(add_system_df_command(app, global));
    for (auto& command : add_port_rename_commands(app, global))
        commands.push_back(std::move(command));
    commands.push_back(add_stats_command(app, global));
    for (auto& command : add_pause_commands(app, global))
        commands.push_back(std::move(command));
    for (auto& command : add_template_commands(app, global))
        commands.push_back(std::move(command));
    for (auto& command : add_network_commands(app, global))
        commands.push_back(std::move(command));
    for (auto& command : add_lifecycle_commands(app, global))
        commands.push_back(std::move(command));
    for (auto& command : add_volume_commands(app, global))
        commands.push_back(std::move(command));
    commands.push_back(add_compare_command(app, global));
    for (auto& command : add_login_commands(app))
        commands.push_back(std::move(command));
    auto* version = app.add_subcommand("version", "Print vmlet's version");

    auto known = app.get_subcommands([&](const CLI::App* command) { return argc > 1 && command->get_name() == argv[1]; });
    if (argc > 1 && argv[1][0] != '-' && known.empty())
        return fail(fmt::format("unknown command '{}' (see 'vmlet --help')", argv[1]));
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& help) {
        return app.exit(help);
    } catch (const CLI::CallForAllHelp& help) {
        return app.exit(help);
    } catch (const CLI::ParseError& error) {
        return fail(usage_error_message(app, error, "vmlet"));
    }

    if (version->parsed()) {
        fmt::print("vmlet {}\n", VMLET_VERSION);
        return 0;
    }
    for (auto& command : commands) {
        if (command.parser->parsed())
            return command.run();
    }
    return fail("no command given (see 'vmlet --help')");
}

}
