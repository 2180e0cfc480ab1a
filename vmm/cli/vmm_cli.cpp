#include "vmm/cli/vmm_cli.h"

#include "vmm/cli/boot_command.h"
#include "vmm/cli/check_snapshot_command.h"
#include "vmm/cli/restore_command.h"
#include "vmm/cli/usage_errors.h"

#include <fmt/format.h>

namespace vmlet {

int run_vmm_cli(int argc, char** argv)
{
    // No name of its own: usage lines take argv[0], which is "vmlet" when a user's `vmlet boot`
    // handed over, so that help reads as the command they typed.
    CLI::App app { "vmlet-vmm: the virtual machine monitor of vmlet, one process per microVM" };
    app.footer("Users run it as 'vmlet boot'; vmlet runs it for every VM container.");
    app.set_version_flag("--version", "vmlet-vmm " VMLET_VERSION);
    std::vector<Command> commands { add_boot_command(app), add_restore_command(app), add_check_snapshot_command(app) };
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        // --help and --version are "errors" that exit 0.
        if (error.get_exit_code() == 0)
            return app.exit(error);
        // Users reach the monitor as `vmlet boot`, so the help they need is that command's.
        return fail(usage_error_message(app, error, "vmlet"));
    }
    for (auto& command : commands) {
        if (command.parser->parsed())
            return command.run();
    }
    return fail("no command given (see 'vmlet-vmm --help')");
}

}
