#include "containers/cli/top_command.h"

#include "containers/runtime/container_processes.h"

#include <fmt/format.h>
#include <pwd.h>

#include <memory>
#include <string>

namespace vmlet {

namespace {

// The user's name in the host's passwd, as the host's ps -ef shows it under docker top.
std::string user_name(uid_t uid)
{
    passwd entry {};
    passwd* found = nullptr;
    char buffer[4096];
    if (::getpwuid_r(uid, &entry, buffer, sizeof buffer, &found) == 0 && found)
        return found->pw_name;
    return std::to_string(uid);
}

Result<void> show(const std::string& root, const std::string& name)
{
    auto store = TRY(ContainerStore::open(root));
    auto record = TRY(store.find(name));
    auto processes = TRY(container_processes(record));
    std::string table = fmt::format("{:<10} {:<8} {:<8} {:<2} {:<6} {:<6} {:<9} {}\n", "UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD");
    for (const auto& process : processes)
        table += fmt::format("{:<10} {:<8} {:<8} {:<2} {:<6} {:<6} {:<9} {}\n", user_name(process.uid), process.pid, process.ppid, process.cpu_percent, process.start_time,
            process.tty, process.cpu_time, process.command);
    fmt::print("{}", table);
    return {};
}

}

Command add_top_command(CLI::App& app, const GlobalOptions& global)
{
    auto name = std::make_shared<std::string>();
    auto* command = app.add_subcommand("top", "Show the processes of a running container");
    command->add_option("container", *name, "Container name or id")->required();
    return { command, [name, &global] {
                auto shown = show(global.root, *name);
                return shown.ok() ? 0 : fail(shown.error().message());
            } };
}

}
