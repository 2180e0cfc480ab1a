#include "containers/oci/runtime_cli.h"

#include "containers/oci/runtime_commands.h"
#include "containers/runtime/container_store.h"
#include "vmm/base/file.h"
#include "vmm/cli/usage_errors.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>

namespace vmlet::oci {

namespace {

// runc's status for any failure of its own.
constexpr int kRuntimeFailure = 1;

struct GlobalFlags {
    std::string root { "/run/vmlet-runtime" };
    std::string log;
    std::string log_format { "text" };
    bool systemd_cgroup { false };
    std::string vm_store;
};

void report(const GlobalFlags& global, const std::string& message)
{
    fmt::print(stderr, "vmlet-runtime: {}\n", message);
    if (global.log.empty())
        return;
    std::string line = global.log_format == "json"
        ? nlohmann::json { { "level", "error" }, { "msg", message }, { "time", now_rfc3339() } }.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"
        : fmt::format("time=\"{}\" level=error msg=\"{}\"\n", now_rfc3339(), message);
    int fd = ::open(global.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd >= 0) {
        (void)write_all(fd, std::span(reinterpret_cast<const uint8_t*>(line.data()), line.size()));
        ::close(fd);
    }
}

std::string absolute(const std::string& path)
{
    std::error_code error;
    auto made = std::filesystem::absolute(path, error);
    return error ? path : made.lexically_normal().string();
}

using Action = std::function<Result<int>()>;

}

int run_runtime_cli(int argc, char** argv)
{
    CLI::App app { "vmlet-runtime: an OCI runtime (runc's command line) that runs each container in a vmlet microVM", "vmlet-runtime" };
    app.require_subcommand(1);
    app.set_version_flag("-v,--version", fmt::format("vmlet-runtime version {}\nspec: 1.0.2", VMLET_VERSION));
    GlobalFlags global;
    app.add_option("--root", global.root, "Where container state is kept")->capture_default_str();
    app.add_option("--log", global.log, "Where errors are written too");
    app.add_option("--log-format", global.log_format, "text or json")->check(CLI::IsMember({ "text", "json" }));
    app.add_flag("--systemd-cgroup", global.systemd_cgroup, "linux.cgroupsPath is systemd's slice:prefix:name");
    // vmlet's own store, as `vmlet` finds it: VM templates serve both. A flag too, since podman's
    // conmon gives the runtime no environment of the caller's (podman --runtime-flag vm-store=DIR).
    const char* vmlet_root = std::getenv("VMLET_ROOT");
    global.vm_store = vmlet_root ? vmlet_root : "/var/lib/vmlet";
    app.add_option("--vm-store", global.vm_store, "vmlet's store, where VM templates are kept (or VMLET_ROOT)")->capture_default_str();
    bool debug = false;
    app.add_flag("--debug", debug, "Accepted, as runc's");
    app.fallthrough();

    Action action;
    auto id_of = [](CLI::App* command, std::string& id) { command->add_option("id", id, "The container's id")->required(); };

    auto create = std::make_shared<CreateRequest>();
    auto* create_command = app.add_subcommand("create", "Create a container from a bundle; `start` runs it");
    create_command->add_option("-b,--bundle", create->bundle, "The bundle's directory (default: the current one)");
    create_command->add_option("--pid-file", create->pid_file, "Where the container process's pid is written");
    create_command->add_option("--console-socket", create->console_socket, "With process.terminal: where the terminal's master side goes");
    bool runc_only = false;
    create_command->add_flag("--no-pivot,--no-new-keyring", runc_only, "Accepted, as runc's");
    id_of(create_command, create->id);
    create_command->callback([&] { action = [&] {
        create->bundle = absolute(create->bundle.empty() ? "." : create->bundle);
        if (!create->pid_file.empty())
            create->pid_file = absolute(create->pid_file);
        create->vm_store_root = absolute(global.vm_store);
        // A VM's sockets go in TMPDIR (vm_sandbox.h), which conmon does not pass on: the runtime's
        // own state directory, in memory as /run is, serves then.
        if (!std::getenv("TMPDIR"))
            ::setenv("TMPDIR", absolute(global.root).c_str(), 1);
        create->systemd_cgroup = global.systemd_cgroup;
        return create_container(global.root, *create);
    }; });

    std::string id;
    for (auto [name, help] : { std::pair { "start", "Run a created container's process" }, { "state", "Print a container's state (JSON)" },
             { "pause", "Freeze a running container" }, { "resume", "Thaw a paused container" } }) {
        auto* command = app.add_subcommand(name, help);
        id_of(command, id);
        std::string which = name;
        command->callback([&, which] { action = [&, which]() -> Result<int> {
            if (which == "start")
                return start_container(global.root, id);
            if (which == "state")
                return print_state(global.root, id);
            return pause_container_by_id(global.root, id, which == "pause");
        }; });
    }

    std::string signal = "SIGTERM";
    bool all = false;
    auto* kill_command = app.add_subcommand("kill", "Send a signal to a container's process (default SIGTERM)");
    kill_command->add_flag("-a,--all", all, "Every process of the container");
    id_of(kill_command, id);
    kill_command->add_option("signal", signal, "A number or a name, with or without SIG");
    kill_command->callback([&] { action = [&] { return kill_container(global.root, id, signal, all); }; });

    bool force = false;
    auto* delete_command = app.add_subcommand("delete", "Remove a stopped container (--force: any)");
    delete_command->add_flag("-f,--force", force, "Kill it first if it runs");
    id_of(delete_command, id);
    delete_command->callback([&] { action = [&] { return delete_container(global.root, id, force); }; });

    std::string format = "table";
    auto* ps_command = app.add_subcommand("ps", "List a container's processes (host pids)");
    ps_command->add_option("-f,--format", format, "table or json")->check(CLI::IsMember({ "table", "json" }));
    id_of(ps_command, id);
    ps_command->allow_extras();
    ps_command->callback([&] { action = [&] { return print_processes(global.root, id, format); }; });

    bool quiet = false;
    auto* list_command = app.add_subcommand("list", "List containers");
    list_command->add_option("-f,--format", format, "table or json")->check(CLI::IsMember({ "table", "json" }));
    list_command->add_flag("-q,--quiet", quiet, "Ids only");
    list_command->callback([&] { action = [&] { return list_containers(global.root, format, quiet); }; });

    auto* features_command = app.add_subcommand("features", "Print what this runtime implements (JSON)");
    features_command->callback([&] { action = [] { return print_features(); }; });

    auto exec = std::make_shared<ExecRequestFlags>();
    auto* exec_command = app.add_subcommand("exec", "Run another process in a running container");
    exec_command->add_option("-p,--process", exec->process_file, "The process, as config.json's \"process\"");
    exec_command->add_flag("-d,--detach", exec->detach, "Return once it runs");
    exec_command->add_option("--pid-file", exec->pid_file, "Where its host process's pid is written");
    exec_command->add_flag("-t,--tty", exec->tty, "On a terminal (with --console-socket)");
    exec_command->add_option("--console-socket", exec->console_socket, "Where the terminal's master side goes");
    exec_command->add_option("--cwd", exec->cwd, "Its working directory");
    exec_command->add_option("-e,--env", exec->env, "KEY=VALUE (repeatable)")->allow_extra_args(false);
    exec_command->add_option("-u,--user", exec->user, "UID[:GID]");
    exec_command->add_option("id", exec->id, "The container's id")->required();
    exec_command->add_option("command", exec->args, "The command and its arguments, without --process");
    exec_command->positionals_at_end();
    exec_command->callback([&] { action = [&] {
        if (!exec->pid_file.empty())
            exec->pid_file = absolute(exec->pid_file);
        return exec_in_container(global.root, *exec);
    }; });

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& success) {
        return app.exit(success);
    } catch (const CLI::ParseError& error) {
        report(global, usage_error_message(app, error, "vmlet-runtime"));
        return kRuntimeFailure;
    }
    global.root = absolute(global.root);
    auto status = action();
    if (!status.ok()) {
        report(global, status.error().message());
        return kRuntimeFailure;
    }
    return status.value();
}

}
