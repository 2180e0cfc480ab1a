#include "containers/cli/container_commands.h"

#include "containers/cli/go_template.h"
#include "containers/cli/human_units.h"
#include "containers/cli/ps_filter.h"
#include "containers/cli/raw_terminal.h"
#include "containers/runtime/container.h"
#include "containers/runtime/container_pause.h"
#include "containers/runtime/signal_name.h"
#include "vmm/cli/usage_errors.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>
#include <ctime>
#include <memory>

namespace vmlet {

namespace {

// Runs `body(store)` on the container store, turning its error into vmlet's one line.
template<typename Body>
int with_containers(const GlobalOptions& global, Body body)
{
    auto store = ContainerStore::open(global.root);
    if (!store.ok())
        return fail(store.error().message());
    Result<void> result = body(store.value());
    if (!result.ok())
        return fail(result.error().message());
    return 0;
}

std::string status_text(const ContainerRecord& record, bool paused, std::time_t now)
{
    switch (record.state) {
    case ContainerState::Created:
        return "Created";
    case ContainerState::Running:
        return "Up " + human_duration(now - parse_rfc3339(record.started)) + (paused ? " (Paused)" : "");
    case ContainerState::Exited:
        return fmt::format("Exited ({}) {}", record.exit_code, time_ago(record.finished, now));
    }
    return "Unknown";
}

std::string command_text(const std::vector<std::string>& args)
{
    std::string text;
    for (const auto& arg : args)
        text += (text.empty() ? "" : " ") + arg;
    if (text.size() > 20)
        text = text.substr(0, 19) + "…";
    return "\"" + text + "\"";
}

struct PsOptions {
    bool all = false, quiet = false;
    std::vector<std::string> filters;
    std::string format = "table";
};

// One container as `docker ps --format` sees it: its keys, for json and for templates.
nlohmann::json ps_row(const ContainerRecord& record, bool paused, std::time_t now)
{
    std::string mounts;
    size_t volumes = 0;
    for (const auto& mount : record.mounts) {
        mounts += (mounts.empty() ? "" : ",") + (mount.kind == MountSpec::Kind::Tmpfs ? mount.target : mount.source);
        volumes += mount.kind == MountSpec::Kind::Volume;
    }
    auto status = record.state == ContainerState::Running && paused ? std::string("paused") : std::string(state_name(record.state));
    return { { "ID", record.id.substr(0, 12) }, { "Image", record.image_name }, { "Command", command_text(record.command) },
        { "CreatedAt", record.created }, { "RunningFor", time_ago(record.created, now) }, { "Status", status_text(record, paused, now) },
        { "State", status }, { "Names", record.name }, { "Networks", record.network }, { "Ports", "" }, { "Labels", "" },
        { "Mounts", mounts }, { "LocalVolumes", std::to_string(volumes) }, { "Isolation", std::string(isolation_name(record.isolation)) } };
}

Result<void> list_containers(const ContainerStore& store, const PsOptions& options)
{
    auto filter = TRY(PsFilter::parse(options.filters));
    auto records = TRY(store.all());
    // Docker's `ps --filter status=exited` lists stopped containers without -a.
    bool all = options.all || filter.filters_status();
    std::erase_if(records, [&](const ContainerRecord& record) {
        bool paused = container_paused(store, record);
        auto status = record.state == ContainerState::Running && paused ? std::string_view("paused") : state_name(record.state);
        return (!all && record.state != ContainerState::Running) || !filter.matches(record, status);
    });
    std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) { return a.created > b.created; });
    if (options.quiet) {
        for (const auto& record : records)
            fmt::print("{}\n", record.id.substr(0, 12));
        return {};
    }
    auto now = std::time(nullptr);
    if (options.format != "table") {
        // json: one object per line, as `docker ps --format json`; anything else a Go template.
        std::string lines;
        for (const auto& record : records) {
            auto row = ps_row(record, container_paused(store, record), now);
            lines += (options.format == "json" ? row.dump() : TRY(render_go_template(options.format, row))) + "\n";
        }
        fmt::print("{}", lines);
        return {};
    }
    fmt::print("{:<14} {:<24} {:<22} {:<16} {:<26} {:<10} {}\n", "CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "ISOLATION", "NAMES");
    for (const auto& record : records)
        fmt::print("{:<14} {:<24} {:<22} {:<16} {:<26} {:<10} {}\n", record.id.substr(0, 12), record.image_name, command_text(record.command),
            time_ago(record.created, now), status_text(record, container_paused(store, record), now), isolation_name(record.isolation), record.name);
    return {};
}

Command add_ps(CLI::App& app, const GlobalOptions& global)
{
    auto options = std::make_shared<PsOptions>();
    auto* command = app.add_subcommand("ps", "List containers");
    command->add_flag("-a,--all", options->all, "Show all containers, not only running ones");
    command->add_flag("-q,--quiet", options->quiet, "Only the container ids");
    command->add_option("-f,--filter", options->filters, "Only those matching KEY=VALUE: status=, name=, id=, isolation= (repeatable)")->allow_extra_args(false);
    command->add_option("--format", options->format, "table, json (one object per line) or a Go template such as '{{.Names}} {{.Status}}'")->capture_default_str();
    return { command, [options, &global] { return with_containers(global, [&](const ContainerStore& store) { return list_containers(store, *options); }); } };
}

struct NamesOptions {
    std::vector<std::string> names;
    bool flag = false;
    bool volumes = false; // rm -v
    unsigned seconds = 10;
    std::string signal = "KILL";
};

// A paused container's processes take no signal until they run again (a frozen cgroup v1 task
// holds even SIGKILL; a paused VM's agent runs nothing): stop, kill and rm -f, which Docker lets
// end a paused container, resume it first.
Result<void> resume_if_paused(const GlobalOptions& global, const ContainerRecord& record)
{
    auto store = TRY(ContainerStore::open(global.root));
    if (!container_paused(store, record))
        return {};
    return unpause_container(store, record);
}

enum class Paused { Resume, Leave };

// Runs `body` on each named container in turn, printing each name once done, as docker does.
template<typename Body>
int for_each_container(const GlobalOptions& global, const std::vector<std::string>& names, Paused paused, Body body)
{
    for (const auto& name : names) {
        auto container = Container::open(global.root, name);
        if (!container.ok())
            return fail(container.error().message());
        if (paused == Paused::Resume) {
            auto resumed = resume_if_paused(global, container.value().record());
            if (!resumed.ok())
                return fail(resumed.error().message());
        }
        Result<void> done = body(container.value());
        if (!done.ok())
            return fail(done.error().message());
        fmt::print("{}\n", name);
    }
    return 0;
}

struct LogsOptions {
    std::string name;
    bool follow = false, timestamps = false;
    std::string tail = "all", since;
};

Result<LogQuery> log_query(const LogsOptions& options)
{
    LogQuery query { .tail = {}, .since = {}, .timestamps = options.timestamps, .follow = options.follow };
    if (options.tail != "all") {
        size_t lines = 0;
        auto [end, error] = std::from_chars(options.tail.data(), options.tail.data() + options.tail.size(), lines);
        if (options.tail.empty() || error != std::errc() || end != options.tail.data() + options.tail.size())
            return make_error("invalid value '{}' for --tail: a number of lines, or all", options.tail);
        query.tail = lines;
    }
    if (!options.since.empty())
        query.since = TRY(parse_log_since(options.since, std::time(nullptr)));
    return query;
}

Command add_logs(CLI::App& app, const GlobalOptions& global)
{
    auto options = std::make_shared<LogsOptions>();
    auto* command = app.add_subcommand("logs", "Show what a container wrote to its standard output and error");
    command->add_option("container", options->name, "Container name or id")->required();
    command->add_flag("-f,--follow", options->follow, "Keep showing new output until the container exits");
    command->add_flag("-t,--timestamps", options->timestamps, "Start each line with the time it was written (RFC 3339)");
    command->add_option("-n,--tail", options->tail, "Only the last N lines (or all)")->capture_default_str();
    command->add_option("--since", options->since, "Only lines since a time (2026-12-07T10:00:00Z, Unix seconds) or for a while (10m, 1h30m)");
    return { command, [options, &global] {
                auto query = log_query(*options);
                if (!query.ok())
                    return fail(query.error().message());
                auto container = Container::open(global.root, options->name);
                if (!container.ok())
                    return fail(container.error().message());
                auto shown = container.value().logs(query.value(), STDOUT_FILENO, STDERR_FILENO);
                return shown.ok() ? 0 : fail(shown.error().message());
            } };
}

Command add_stop(CLI::App& app, const GlobalOptions& global)
{
    auto options = std::make_shared<NamesOptions>();
    auto* command = app.add_subcommand("stop", "Stop containers: SIGTERM, then SIGKILL after a grace period");
    command->add_option("container", options->names, "Container names or ids")->required();
    command->add_option("-t,--time", options->seconds, "Seconds to wait before SIGKILL")->capture_default_str();
    return { command, [options, &global] {
                return for_each_container(global, options->names, Paused::Resume, [&](Container& container) { return container.stop(std::chrono::seconds(options->seconds)); });
            } };
}

Command add_kill(CLI::App& app, const GlobalOptions& global)
{
    auto options = std::make_shared<NamesOptions>();
    auto* command = app.add_subcommand("kill", "Send a signal to containers");
    command->add_option("container", options->names, "Container names or ids")->required();
    command->add_option("-s,--signal", options->signal, "The signal: a name (KILL, SIGTERM) or a number")->capture_default_str();
    return { command, [options, &global] {
                auto signal = parse_signal(options->signal);
                if (!signal.ok())
                    return fail(signal.error().message());
                return for_each_container(global, options->names, Paused::Resume, [&](Container& container) { return container.kill(signal.value()); });
            } };
}

Command add_rm(CLI::App& app, const GlobalOptions& global)
{
    auto options = std::make_shared<NamesOptions>();
    auto* command = app.add_subcommand("rm", "Remove containers and their writable layers");
    command->add_option("container", options->names, "Container names or ids")->required();
    command->add_flag("-f,--force", options->flag, "Kill a running container first");
    command->add_flag("-v,--volumes", options->volumes, "Remove its anonymous volumes too (named ones are kept)");
    return { command, [options, &global] {
                // Only -f touches a running container; without it rm refuses, paused or not.
                return for_each_container(global, options->names, options->flag ? Paused::Resume : Paused::Leave,
                    [&](Container& container) { return container.remove(options->flag, options->volumes); });
            } };
}

struct ExecFlags {
    bool interactive = false, tty = false;
    std::vector<std::string> env;
    std::string working_dir, user;
    CLI::Option* working_dir_option = nullptr;
    CLI::Option* user_option = nullptr;
    CLI::App* parser = nullptr;
};

int exec_command(const GlobalOptions& global, const ExecFlags& flags)
{
    auto words = flags.parser->remaining();
    if (!words.empty() && words.front().starts_with("-"))
        return fail(unknown_flag_message("exec", words.front()));
    if (words.size() < 2)
        return fail("exec: give a container and a command (vmlet exec [OPTIONS] CONTAINER CMD [ARGS...])");
    auto container = Container::open(global.root, words.front());
    if (!container.ok())
        return fail(container.error().message());
    // Docker refuses too: the new process would join the frozen cgroup, or wait on a stopped VM.
    auto store = ContainerStore::open(global.root);
    if (store.ok() && container_paused(store.value(), container.value().record()))
        return fail(fmt::format("container {} is paused, unpause the container before exec", container.value().record().name));
    if (flags.tty && flags.interactive && !::isatty(STDIN_FILENO))
        return fail("the input device is not a TTY");
    ExecRequest request { .args = { words.begin() + 1, words.end() }, .env = flags.env, .working_dir = {}, .user = {}, .interactive = flags.interactive };
    if (flags.tty)
        request.terminal = RawTerminal::size();
    if (flags.working_dir_option->count() > 0)
        request.working_dir = flags.working_dir;
    if (flags.user_option->count() > 0)
        request.user = flags.user;
    // The container makes the terminal: with -i, vmlet's own passes keys through, raw.
    std::optional<RawTerminal> raw;
    if (flags.tty && flags.interactive)
        raw.emplace();
    auto status = container.value().exec(request);
    raw.reset();
    if (!status.ok())
        return fail(status.error().message());
    return status.value();
}

Command add_exec(CLI::App& app, const GlobalOptions& global)
{
    auto flags = std::make_shared<ExecFlags>();
    auto* command = app.add_subcommand("exec", "Run another command in a running container");
    flags->parser = command;
    // Everything after the container's name belongs to the command.
    command->prefix_command();
    command->fallthrough(false);
    command->add_flag("-i,--interactive", flags->interactive, "Keep standard input open to the command");
    command->add_flag("-t,--tty", flags->tty, "Give the command a terminal");
    command->add_option("-e,--env", flags->env, "Set a variable: KEY=VALUE, or KEY to pass this shell's value")->allow_extra_args(false);
    flags->working_dir_option = command->add_option("-w,--workdir", flags->working_dir, "The working directory (default: the container's)");
    flags->user_option = command->add_option("-u,--user", flags->user, "The user: name, uid, name:group or uid:gid (default: the container's)");
    return { command, [flags, &global] { return exec_command(global, *flags); } };
}

}

std::vector<Command> add_container_commands(CLI::App& app, const GlobalOptions& global)
{
    return { add_ps(app, global), add_logs(app, global), add_stop(app, global), add_kill(app, global), add_rm(app, global), add_exec(app, global) };
}

}
