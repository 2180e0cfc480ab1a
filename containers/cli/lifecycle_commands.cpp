#include "containers/cli/lifecycle_commands.h"

#include "containers/cli/foreground_container.h"
#include "containers/runtime/forwarded_signals.h"
#include "vmm/base/exit_status.h"

#include <unistd.h>

#include <memory>

namespace vmlet {

namespace {

struct LifecycleFlags {
    std::vector<std::string> names;
    bool attach = false, interactive = false;
    unsigned seconds = 10;
};

// docker start: in the background and its name printed, or with -a in the foreground, its status
// vmlet's. Its process, mounts, network and limits are those it was created with.
int start(const GlobalOptions& global, const LifecycleFlags& flags)
{
    if (flags.attach && flags.names.size() != 1)
        return fail("start -a takes one container");
    for (const auto& name : flags.names) {
        auto container = Container::open_to_start(global.root, name);
        if (!container.ok())
            return fail(container.error().message());
        if (flags.attach) {
            bool tty = container.value().record().config->process.tty;
            if (tty && flags.interactive && !::isatty(STDIN_FILENO))
                return fail("the input device is not a TTY");
            return run_in_foreground(container.value(), flags.interactive, tty);
        }
        int status = run_in_background(container.value(), name);
        if (status != 0)
            return status;
    }
    return 0;
}

int restart(const GlobalOptions& global, const LifecycleFlags& flags)
{
    for (const auto& name : flags.names) {
        auto running = Container::open(global.root, name);
        auto stopped = running.ok() ? running.value().stop(std::chrono::seconds(flags.seconds)) : Result<void>(running.release_error());
        // And its monitor gone: one that a restart policy keeps sees the stop, and ends.
        auto ended = stopped.ok() ? running.value().wait() : Result<int>(stopped.release_error());
        if (!ended.ok())
            return fail(ended.error().message());
        auto container = Container::open_to_start(global.root, name);
        if (!container.ok())
            return fail(container.error().message());
        int status = run_in_background(container.value(), name);
        if (status != 0)
            return status;
    }
    return 0;
}

// docker attach: the container's output from now on until it exits, then its exit status as
// vmlet's; SIGINT, SIGTERM and SIGHUP go to the container meanwhile (Docker's --sig-proxy). Its
// standard input is its own: a detached container's is not kept open to attach to.
int attach(const GlobalOptions& global, const std::string& name)
{
    auto signals = ForwardedSignals::block();
    if (!signals.ok())
        return fail(signals.error().message());
    auto container = Container::open(global.root, name);
    if (!container.ok())
        return fail(container.error().message());
    if (container.value().record().state != ContainerState::Running)
        return fail(fmt::format("container {} is not running: you cannot attach to a stopped container, start it first", name));
    auto status = container.value().follow_to_exit(STDOUT_FILENO, STDERR_FILENO, [&] {
        for (int signal : signals.value().pending()) {
            if (signal != SIGWINCH)
                (void)container.value().kill(signal);
        }
    });
    return status.ok() ? status.value() : fail(status.error().message());
}

// docker wait: each container's exit status once it has stopped for good (a restart policy's
// monitor still at work is waited for too).
int wait(const GlobalOptions& global, const LifecycleFlags& flags)
{
    for (const auto& name : flags.names) {
        auto container = Container::open(global.root, name);
        auto status = container.ok() ? container.value().wait() : Result<int>(container.release_error());
        if (!status.ok())
            return fail(status.error().message());
        fmt::print("{}\n", status.value());
    }
    return 0;
}

}

std::vector<Command> add_lifecycle_commands(CLI::App& app, const GlobalOptions& global)
{
    auto flags = std::make_shared<LifecycleFlags>();
    auto* start_command = app.add_subcommand("start", "Start stopped or created containers, as they were created");
    start_command->add_option("container", flags->names, "Container names or ids")->required();
    start_command->add_flag("-a,--attach", flags->attach, "In the foreground: its output here, and its exit status vmlet's");
    start_command->add_flag("-i,--interactive", flags->interactive, "With -a: this terminal's input is the container's");
    auto* restart_command = app.add_subcommand("restart", "Stop containers if they run, and start them again");
    restart_command->add_option("container", flags->names, "Container names or ids")->required();
    restart_command->add_option("-t,--time", flags->seconds, "Seconds to wait for a stop before SIGKILL")->capture_default_str();
    auto* wait_command = app.add_subcommand("wait", "Wait until containers stop, and print their exit statuses");
    auto attached = std::make_shared<std::string>();
    auto* attach_command = app.add_subcommand("attach", "Show a running container's output until it exits, passing signals on; its exit status vmlet's");
    attach_command->add_option("container", *attached, "Container name or id")->required();
    wait_command->add_option("container", flags->names, "Container names or ids")->required();
    return {
        { start_command, [flags, &global] { return start(global, *flags); } },
        { restart_command, [flags, &global] { return restart(global, *flags); } },
        { wait_command, [flags, &global] { return wait(global, *flags); } },
        { attach_command, [attached, &global] { return attach(global, *attached); } },
    };
}

}
