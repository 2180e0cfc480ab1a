#include "containers/cli/container_commands.h"

#include "vmm/base/file.h"
#include "containers/cli/raw_terminal.h"
#include "containers/cli/human_units.h"
#include "containers/runtime/container_monitor.h"
#include "containers/runtime/container_reclaim.h"
#include "containers/runtime/container_store.h"
#include "containers/image/image_index.h"
#include "containers/runtime/layer_files.h"
#include "containers/runtime/process/process_exec.h"
#include "containers/runtime/vm/vm_exec.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

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

std::string status_text(const ContainerRecord& record, std::time_t now)
{
    switch (record.state) {
    case ContainerState::Created:
        return "Created";
    case ContainerState::Running:
        return "Up " + human_duration(now - parse_rfc3339(record.started));
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
};

Result<void> list_containers(const ContainerStore& store, const PsOptions& options)
{
    auto records = TRY(store.all());
    std::erase_if(records, [&](const ContainerRecord& record) { return !options.all && record.state != ContainerState::Running; });
    std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) { return a.created > b.created; });
    if (options.quiet) {
        for (const auto& record : records)
            fmt::print("{}\n", record.id.substr(0, 12));
        return {};
    }
    auto now = std::time(nullptr);
    fmt::print("{:<14} {:<24} {:<22} {:<16} {:<26} {:<10} {}\n", "CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "ISOLATION", "NAMES");
    for (const auto& record : records)
        fmt::print("{:<14} {:<24} {:<22} {:<16} {:<26} {:<10} {}\n", record.id.substr(0, 12), record.image_name, command_text(record.command),
            time_ago(record.created, now), status_text(record, now), record.isolation, record.name);
    return {};
}

// Waits up to `timeout` for the container's monitor to record its exit.
Result<bool> wait_until_exited(const ContainerStore& store, const std::string& id, std::chrono::milliseconds timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto record = store.find(id);
        // Gone: a --rm container that its monitor has removed.
        if (!record.ok() || record.value().state != ContainerState::Running)
            return true;
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

// docker stop: SIGTERM, then SIGKILL after the grace period.
Result<void> stop_container(const ContainerStore& store, const std::string& name, unsigned grace_seconds)
{
    auto record = TRY(store.find(name));
    if (record.state != ContainerState::Running)
        return {};
    TRY(signal_container(record, SIGTERM));
    if (TRY(wait_until_exited(store, record.id, std::chrono::seconds(grace_seconds))))
        return {};
    TRY(signal_container(record, SIGKILL));
    if (!TRY(wait_until_exited(store, record.id, std::chrono::seconds(30))))
        return make_error("container {} did not stop", name);
    return {};
}

Result<int> parse_signal(std::string_view text)
{
    if (!text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        int number = std::atoi(std::string(text).c_str());
        if (number > 0 && number < NSIG)
            return number;
    }
    if (text.starts_with("SIG"))
        text.remove_prefix(3);
    for (int number = 1; number < NSIG; number++) {
        const char* abbreviation = ::sigabbrev_np(number);
        if (abbreviation && text == abbreviation)
            return number;
    }
    return make_error("invalid signal '{}'", text);
}

// Copies what was appended to `path` since `offset` to `out`.
Result<void> copy_new(const std::string& path, off_t& offset, int out)
{
    auto fd = open_file(path, O_RDONLY);
    if (!fd.ok())
        return {}; // nothing was written yet
    char buffer[1 << 16];
    for (;;) {
        ssize_t count = ::pread(fd.value().get(), buffer, sizeof buffer, offset);
        if (count <= 0)
            return {};
        offset += count;
        TRY(write_all(out, std::span(reinterpret_cast<const uint8_t*>(buffer), static_cast<size_t>(count))));
    }
}

Result<void> show_logs(const ContainerStore& store, const std::string& name, bool follow)
{
    auto record = TRY(store.find(name));
    auto directory = store.directory(record.id);
    off_t out = 0, err = 0;
    for (;;) {
        bool running = false;
        if (follow) {
            auto now = store.find(record.id);
            running = now.ok() && now.value().state == ContainerState::Running;
        }
        TRY(copy_new(directory + "/stdout.log", out, STDOUT_FILENO));
        TRY(copy_new(directory + "/stderr.log", err, STDERR_FILENO));
        if (!running)
            return {};
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

Result<void> remove_container(const ContainerStore& store, const std::string& name, bool force)
{
    auto record = TRY(store.find(name));
    if (record.state == ContainerState::Running) {
        if (!force)
            return make_error("container {} is running: stop it first, or use rm -f", name);
        TRY(signal_container(record, SIGKILL));
        if (!TRY(wait_until_exited(store, record.id, std::chrono::seconds(30))))
            return make_error("container {} did not stop", name);
        auto after = store.find(record.id);
        if (!after.ok())
            return {}; // --rm: its monitor removed it
        record = after.release_value();
    }
    if (record.abandoned)
        TRY(reclaim_abandoned(record, store.directory(record.id)));
    return store.remove(record);
}

Command add_ps(CLI::App& app, const GlobalOptions& global)
{
    auto options = std::make_shared<PsOptions>();
    auto* command = app.add_subcommand("ps", "List containers");
    command->add_flag("-a,--all", options->all, "Show all containers, not only running ones");
    command->add_flag("-q,--quiet", options->quiet, "Only the container ids");
    return { command, [options, &global] { return with_containers(global, [&](const ContainerStore& store) { return list_containers(store, *options); }); } };
}

struct NamesOptions {
    std::vector<std::string> names;
    bool flag = false;
    unsigned seconds = 10;
    std::string signal = "KILL";
};

Command add_logs(CLI::App& app, const GlobalOptions& global)
{
    auto options = std::make_shared<NamesOptions>();
    auto* command = app.add_subcommand("logs", "Show what a detached container wrote to its standard output and error");
    command->add_option("container", options->names, "Container name or id")->required()->expected(1);
    command->add_flag("-f,--follow", options->flag, "Keep showing new output until the container exits");
    return { command, [options, &global] {
                return with_containers(global, [&](const ContainerStore& store) { return show_logs(store, options->names.front(), options->flag); });
            } };
}

Command add_stop(CLI::App& app, const GlobalOptions& global)
{
    auto options = std::make_shared<NamesOptions>();
    auto* command = app.add_subcommand("stop", "Stop containers: SIGTERM, then SIGKILL after a grace period");
    command->add_option("container", options->names, "Container names or ids")->required();
    command->add_option("-t,--time", options->seconds, "Seconds to wait before SIGKILL")->capture_default_str();
    return { command, [options, &global] {
                return with_containers(global, [&](const ContainerStore& store) -> Result<void> {
                    for (const auto& name : options->names) {
                        TRY(stop_container(store, name, options->seconds));
                        fmt::print("{}\n", name);
                    }
                    return {};
                });
            } };
}

Command add_kill(CLI::App& app, const GlobalOptions& global)
{
    auto options = std::make_shared<NamesOptions>();
    auto* command = app.add_subcommand("kill", "Send a signal to containers");
    command->add_option("container", options->names, "Container names or ids")->required();
    command->add_option("-s,--signal", options->signal, "The signal: a name (KILL, SIGTERM) or a number")->capture_default_str();
    return { command, [options, &global] {
                return with_containers(global, [&](const ContainerStore& store) -> Result<void> {
                    auto signal = TRY(parse_signal(options->signal));
                    for (const auto& name : options->names) {
                        auto record = TRY(store.find(name));
                        TRY(signal_container(record, signal));
                        fmt::print("{}\n", name);
                    }
                    return {};
                });
            } };
}

Command add_rm(CLI::App& app, const GlobalOptions& global)
{
    auto options = std::make_shared<NamesOptions>();
    auto* command = app.add_subcommand("rm", "Remove containers and their writable layers");
    command->add_option("container", options->names, "Container names or ids")->required();
    command->add_flag("-f,--force", options->flag, "Kill a running container first");
    return { command, [options, &global] {
                return with_containers(global, [&](const ContainerStore& store) -> Result<void> {
                    for (const auto& name : options->names) {
                        TRY(remove_container(store, name, options->flag));
                        fmt::print("{}\n", name);
                    }
                    return {};
                });
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

// A VM's files are out of the host's reach: the user is resolved in the image's own layers.
Result<int> exec_in_vm(const GlobalOptions& global, const ContainerRecord& record, const ExecRequest& request)
{
    auto store = TRY(image::Store::open(global.root));
    ExecUser user;
    {
        auto lock = TRY(store.lock_shared());
        auto image = TRY(image::ImageIndex(store).find(record.image_id));
        user = TRY(resolve_user_in_layers(image::overlay_lower_dirs(store, image), request.user.value_or(record.user)));
    }
    return exec_in_vm_container(record, request, user);
}

int exec_command(const GlobalOptions& global, const ExecFlags& flags)
{
    auto words = flags.parser->remaining();
    if (words.size() < 2)
        return fail("exec: give a container and a command (vmlet exec [OPTIONS] CONTAINER CMD [ARGS...])");
    auto store = ContainerStore::open(global.root);
    if (!store.ok())
        return fail(store.error().message());
    auto record = store.value().find(words.front());
    if (!record.ok())
        return fail(record.error().message());
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
    auto status = record.value().isolation == "vm" ? exec_in_vm(global, record.value(), request) : exec_in_process_container(record.value(), request);
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
