#include "containers/cli/run_command.h"

#include "vmm/base/file.h"
#include "containers/cli/human_units.h"
#include "containers/cli/image_pull_output.h"
#include "containers/cli/output_log.h"
#include "containers/cli/raw_terminal.h"
#include "containers/image/image_config.h"
#include "containers/image/image_index.h"
#include "containers/registry/image_puller.h"
#include "containers/image/store.h"
#include "containers/runtime/container_monitor.h"
#include "containers/runtime/process/process_sandbox.h"
#include "containers/runtime/run_spec.h"
#include "containers/runtime/vm/image_disk.h"
#include "containers/runtime/layer_files.h"
#include "containers/runtime/vm/vm_sandbox.h"
#include "vmm/vm/vm_config.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <memory>

namespace vmlet {

namespace {

struct RunFlags {
    std::string isolation;
    bool remove = false, detach = false, interactive = false, tty = false;
    std::string name, entrypoint, working_dir, user, hostname, memory, pull = "missing", platform;
    std::vector<std::string> env, env_files, publish;
    double cpus = 0;
    uint64_t pids_limit = 0;
    CLI::Option* entrypoint_option = nullptr;
    CLI::Option* working_dir_option = nullptr;
    CLI::Option* user_option = nullptr;
    CLI::App* parser = nullptr;
};

// Everything `run` decided before the container starts.
struct Prepared {
    ContainerRecord record;
    ContainerSpec spec;
    std::vector<PortMapping> ports;
    VmSandboxOptions vm; // for --isolation=vm
};

std::optional<std::string> host_environment(const std::string& name)
{
    const char* value = std::getenv(name.c_str());
    return value ? std::optional<std::string>(value) : std::nullopt;
}

Result<ResourceLimits> limits_of(const RunFlags& flags)
{
    ResourceLimits limits;
    if (!flags.memory.empty())
        limits.memory_bytes = TRY(parse_byte_size(flags.memory));
    if (flags.pids_limit > 0)
        limits.pids_max = flags.pids_limit;
    if (flags.cpus > 0)
        limits.cpus = flags.cpus;
    return limits;
}

Result<RunOptions> run_options_of(const RunFlags& flags, const std::vector<std::string>& command)
{
    RunOptions options;
    if (flags.entrypoint_option->count() > 0)
        options.entrypoint = flags.entrypoint;
    options.command = command;
    options.env = flags.env;
    for (const auto& file : flags.env_files) {
        auto text = TRY_CONTEXT(read_small_file(file, 1 << 20), "--env-file");
        auto lines = TRY_CONTEXT(parse_env_file(text), file);
        options.env_file.insert(options.env_file.end(), lines.begin(), lines.end());
    }
    if (flags.working_dir_option->count() > 0)
        options.working_dir = flags.working_dir;
    if (flags.user_option->count() > 0)
        options.user = flags.user;
    options.hostname = flags.hostname;
    options.tty = flags.tty;
    return options;
}

// The image, pulled first when the store lacks it (docker run's --pull=missing).
Result<image::ImageRecord> find_or_pull(const image::Store& store, const std::string& name, const RunFlags& flags)
{
    {
        auto lock = TRY(store.lock_shared());
        auto found = image::ImageIndex(store).find(name);
        if (found.ok() || flags.pull == "never")
            return found;
        if (!image::Reference::parse(name).ok())
            return found.release_error();
    }
    fmt::print(stderr, "Unable to find image '{}' locally\n", name);
    auto lock = TRY(store.lock_exclusive());
    image::ImageIndex index(store);
    auto reference = TRY(image::Reference::parse(name));
    auto platform = flags.platform.empty() ? image::Platform::host() : TRY(image::Platform::parse(flags.platform));
    PullOutput output(stderr);
    auto pulled = TRY(image::pull_image(store, index, reference, platform, output));
    return pulled.record;
}

// What a VM container needs beyond the spec: the image as a disk (built once per image), the
// user resolved from the image's own files (the guest agent makes no lookups), the VM's size.
Result<VmSandboxOptions> vm_options(const image::Store& store, const image::ImageRecord& image, const ContainerSpec& spec)
{
    VmSandboxOptions options;
    ImageDiskSource source { std::string(image.id.hex()), spec.rootfs.lower_dirs, image.size() };
    options.disk = TRY(image_disk(store.root(), store.temp_path("disk"), source));
    options.user = TRY(resolve_user_in_layers(spec.rootfs.lower_dirs, spec.user));
    // The VM's RAM is the container's memory limit (Hyper-V isolation sizes its utility VM so).
    constexpr uint64_t kMib = 1 << 20;
    options.memory_mib = spec.limits.memory_bytes ? std::max<uint64_t>(kMinMemoryMib, (*spec.limits.memory_bytes + kMib - 1) / kMib) : kDefaultMemoryMib;
    options.cpus = spec.limits.cpus ? static_cast<uint32_t>(std::max(1.0, std::ceil(*spec.limits.cpus))) : 1;
    return options;
}

// Resolves the image and the process and creates the container's record and directory, under the
// store's shared lock: `rmi` (exclusive) then sees the container and leaves its image alone.
Result<Prepared> prepare(const GlobalOptions& global, const RunFlags& flags, const std::string& image_name,
    const std::vector<std::string>& command)
{
    Prepared prepared;
    for (const auto& publish : flags.publish)
        prepared.ports.push_back(TRY(PortMapping::parse(publish)));
    auto limits = TRY(limits_of(flags));
    auto run_options = TRY(run_options_of(flags, command));

    auto store = TRY(image::Store::open(global.root));
    auto image = TRY(find_or_pull(store, image_name, flags));
    auto lock = TRY(store.lock_shared());
    // Re-read under this lock: the image may have gone while it was not held.
    image = TRY(image::ImageIndex(store).find(image.id.string()));
    auto config_bytes = TRY(store.read_blob(image.id));
    auto config = TRY(image::ImageConfig::parse(config_bytes));

    auto containers = TRY(ContainerStore::open(global.root));
    ContainerRecord record;
    record.name = flags.name;
    record.image_id = image.id.string();
    record.image_name = image_name;
    record.isolation = flags.isolation;
    record.created = now_rfc3339();
    record.auto_remove = flags.remove;
    record = TRY(containers.create(record));

    auto spec = resolve_run_spec(config, run_options, record.id, host_environment);
    if (!spec.ok()) {
        (void)containers.remove(record);
        return spec.release_error();
    }
    record.command = spec.value().args;
    record.env = spec.value().env;
    record.working_dir = spec.value().working_dir;
    record.user = spec.value().user;
    (void)containers.save(record);
    prepared.spec = spec.release_value();
    prepared.spec.limits = limits;
    prepared.spec.rootfs.lower_dirs = image::overlay_lower_dirs(store, image);
    prepared.spec.rootfs.state_dir = containers.directory(record.id);
    if (flags.isolation == "vm") {
        auto vm = vm_options(store, image, prepared.spec);
        if (!vm.ok()) {
            (void)containers.remove(record);
            return vm.release_error();
        }
        prepared.vm = vm.release_value();
        prepared.vm.publish_ports = !prepared.ports.empty();
    }
    prepared.record = std::move(record);
    return prepared;
}

Result<std::unique_ptr<Sandbox>> start_sandbox(const Prepared& prepared, const std::string& id, const ContainerSpec& spec,
    const StdioFds& stdio)
{
    if (prepared.record.isolation == "process") {
        auto sandbox = TRY(ProcessSandbox::start(id, spec, stdio));
        return std::unique_ptr<Sandbox>(std::move(sandbox));
    }
    auto sandbox = TRY(VmSandbox::start(id, spec, stdio, prepared.vm));
    return std::unique_ptr<Sandbox>(std::move(sandbox));
}

// A foreground container: its output comes to vmlet's standard streams (and its log, as a
// detached container's), vmlet's input goes to it with -i, and vmlet exits with its status. With
// -t they are a terminal the container makes (in its own devpts, or the VM's), which follows
// vmlet's own terminal, put in raw mode meanwhile, in size.
int run_attached(const ContainerStore& containers, Prepared& prepared, const RunFlags& flags)
{
    auto log = OutputLog::open(containers.directory(prepared.record.id));
    if (!log.ok()) {
        (void)containers.remove(prepared.record);
        return fail(log.error().message());
    }
    auto stdio = log.value()->stdio(flags.interactive ? STDIN_FILENO : -1);
    // With -i as well, vmlet's terminal goes raw: keys, ^C included, are the container's input.
    // With -t alone, ^C stays vmlet's SIGINT, which the monitor passes on (as docker's).
    std::optional<RawTerminal> raw;
    if (flags.tty)
        prepared.spec.terminal = RawTerminal::size();
    if (flags.tty && flags.interactive)
        raw.emplace();
    auto status = monitor_container(containers, prepared.record, prepared.spec, stdio,
        [&](const std::string& id, const ContainerSpec& spec, const StdioFds& fds) { return start_sandbox(prepared, id, spec, fds); },
        { .ports = prepared.ports,
            .started = [&](std::optional<int>) { log.value()->release_container_side(); },
            .window_changed = [](Sandbox& sandbox) { (void)sandbox.resize_terminal(RawTerminal::size()); } });
    log.value().reset();
    raw.reset();
    if (!status.ok()) {
        (void)containers.remove(prepared.record);
        return fail(status.error().message());
    }
    return status.value();
}

// `run -d`: a monitor process of its own, in its own session, keeps the container and writes its
// output to stdout.log and stderr.log (`vmlet logs`). vmlet waits only until the container runs
// and prints its id, or says why it did not start.
int run_detached(const ContainerStore& containers, Prepared& prepared)
{
    auto directory = containers.directory(prepared.record.id);
    auto out = open_file(directory + "/stdout.log", O_WRONLY | O_CREAT | O_APPEND);
    auto err = open_file(directory + "/stderr.log", O_WRONLY | O_CREAT | O_APPEND);
    int report[2];
    if (!out.ok() || !err.ok() || ::pipe2(report, O_CLOEXEC) < 0) {
        (void)containers.remove(prepared.record);
        return fail(!out.ok() ? out.error().message() : !err.ok() ? err.error().message() : "cannot make a pipe");
    }
    std::fflush(stdout);
    std::fflush(stderr);
    pid_t monitor = ::fork();
    if (monitor == 0) {
        ::close(report[0]);
        ::setsid();
        // The monitor's own messages go to the container's error log.
        ::dup2(err.value().get(), STDERR_FILENO);
        int null = ::open("/dev/null", O_RDWR);
        ::dup2(null, STDIN_FILENO);
        ::dup2(null, STDOUT_FILENO);
        StdioFds stdio { -1, out.value().get(), err.value().get() };
        // -dt: the terminal's output is the log; it has the size of a classic VT100, as no
        // terminal of vmlet's is there to follow.
        if (prepared.spec.terminal)
            prepared.spec.terminal = TerminalSize { 24, 80 };
        auto status = monitor_container(containers, prepared.record, prepared.spec, stdio,
            [&](const std::string& id, const ContainerSpec& spec, const StdioFds& fds) { return start_sandbox(prepared, id, spec, fds); },
            { .ports = prepared.ports, .started = [&](std::optional<int> failure) {
                 auto line = failure ? fmt::format("failed {}\n", *failure) : std::string("running\n");
                 (void)::write(report[1], line.data(), line.size());
                 ::close(report[1]);
             } });
        if (!status.ok()) {
            auto line = "error " + status.error().message() + "\n";
            (void)::write(report[1], line.data(), line.size());
            (void)containers.remove(prepared.record);
            ::_exit(kVmletFailure);
        }
        ::_exit(status.value());
    }
    ::close(report[1]);
    if (monitor < 0) {
        ::close(report[0]);
        (void)containers.remove(prepared.record);
        return fail("cannot start the container's monitor process");
    }
    std::string answer;
    char buffer[512];
    for (ssize_t count; (count = ::read(report[0], buffer, sizeof buffer)) != 0;) {
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0)
            break;
        answer.append(buffer, static_cast<size_t>(count));
    }
    ::close(report[0]);
    if (answer.starts_with("running")) {
        fmt::print("{}\n", prepared.record.id);
        return 0;
    }
    if (answer.starts_with("failed ")) {
        // The sandbox wrote why to the error log; say it here too, as docker run -d does.
        auto why = read_small_file(directory + "/stderr.log", 1 << 16);
        if (why.ok())
            fmt::print(stderr, "{}", why.value());
        return std::atoi(answer.c_str() + 7);
    }
    if (answer.starts_with("error "))
        return fail(answer.substr(6, answer.size() - 7));
    return fail("the container's monitor process died before the container started");
}

int run(const GlobalOptions& global, RunFlags& flags)
{
    auto words = flags.parser->remaining();
    if (words.empty())
        return fail("run: give an image (vmlet run [OPTIONS] IMAGE [CMD ARGS...])");
    if (flags.isolation.empty()) {
        const char* chosen = std::getenv("VMLET_ISOLATION");
        flags.isolation = chosen ? chosen : "vm";
    }
    if (flags.isolation != "vm" && flags.isolation != "process")
        return fail(fmt::format("--isolation must be vm or process, not '{}'", flags.isolation));
    if (flags.tty && flags.interactive && !flags.detach && !::isatty(STDIN_FILENO))
        return fail("the input device is not a TTY");
    std::vector<std::string> command(words.begin() + 1, words.end());
    auto prepared = prepare(global, flags, words.front(), command);
    if (!prepared.ok())
        return fail(prepared.error().message());
    auto containers = ContainerStore::open(global.root);
    if (!containers.ok())
        return fail(containers.error().message());
    return flags.detach ? run_detached(containers.value(), prepared.value()) : run_attached(containers.value(), prepared.value(), flags);
}

}

Command add_run_command(CLI::App& app, const GlobalOptions& global)
{
    auto flags = std::make_shared<RunFlags>();
    auto* command = app.add_subcommand("run", "Run a command in a new container from an image");
    flags->parser = command;
    // docker run -h is --hostname; help is --help only.
    command->set_help_flag("--help", "Print this help message and exit");
    // Everything after the image name belongs to the container's command.
    command->prefix_command();
    command->fallthrough(false);
    command->add_option("--isolation", flags->isolation, "vm (a microVM with its own kernel; the default, or VMLET_ISOLATION) or process (namespaces and cgroups on this kernel)");
    command->add_flag("--rm", flags->remove, "Remove the container when it exits");
    command->add_flag("-d,--detach", flags->detach, "Run in the background and print the container's id");
    command->add_flag("-i,--interactive", flags->interactive, "Keep standard input open to the container");
    command->add_flag("-t,--tty", flags->tty, "Give the container a terminal");
    command->add_option("--name", flags->name, "A name for the container");
    command->add_option("-e,--env", flags->env, "Set a variable: KEY=VALUE, or KEY to pass this shell's value")->allow_extra_args(false);
    command->add_option("--env-file", flags->env_files, "Read variables from a file of KEY=VALUE lines")->allow_extra_args(false);
    flags->working_dir_option = command->add_option("-w,--workdir", flags->working_dir, "The working directory inside the container");
    flags->user_option = command->add_option("-u,--user", flags->user, "The user: name, uid, name:group or uid:gid");
    flags->entrypoint_option = command->add_option("--entrypoint", flags->entrypoint, "Replace the image's entrypoint (\"\" to clear it)");
    command->add_option("-p,--publish", flags->publish, "Publish a container port: [HOST_IP:]HOST_PORT:CONTAINER_PORT")->allow_extra_args(false);
    command->add_option("-m,--memory", flags->memory, "Memory limit: a number with unit b, k, m or g");
    command->add_option("--cpus", flags->cpus, "CPU limit, in CPUs (0.5 is half of one)");
    command->add_option("--pids-limit", flags->pids_limit, "Most processes the container may have");
    command->add_option("-h,--hostname", flags->hostname, "The container's host name (default: its short id)");
    command->add_option("--pull", flags->pull, "Pull the image: missing (default) or never")->check(CLI::IsMember({ "missing", "never" }));
    command->add_option("--platform", flags->platform, "The platform to pull when the image is missing");
    return { command, [flags, &global] { return run(global, *flags); } };
}

}
