#include "containers/cli/run_command.h"

#include "containers/cli/foreground_container.h"
#include "containers/cli/human_units.h"
#include "containers/cli/image_pull_output.h"
#include "containers/cli/mount_flags.h"
#include "containers/cli/pull_command.h"
#include "containers/image/image_index.h"
#include "containers/image/store.h"
#include "containers/registry/image_puller.h"
#include "containers/runtime/container.h"
#include "containers/runtime/container_log.h"
#include "vmm/base/file.h"
#include "vmm/cli/usage_errors.h"

#include <unistd.h>

#include <charconv>
#include <optional>

namespace vmlet {

namespace {

struct RunFlags {
    std::string isolation;
    bool remove = false, detach = false, interactive = false, tty = false, no_template = false;
    bool privileged = false, read_only = false;
    std::string name, entrypoint, working_dir, user, hostname, memory, pull = "missing", platform;
    std::vector<std::string> env, env_files, publish, cap_add, cap_drop, security_opts, log_opts;
    std::string network = NetworkStore::kDefaultNetwork, ip;
    std::vector<std::string> network_aliases, dns, add_hosts;
    std::vector<std::string> volumes, mounts, tmpfs;
    std::string restart = "no";
    bool create_only = false;
    double cpus = 0;
    uint64_t pids_limit = 0;
    CLI::Option* entrypoint_option = nullptr;
    CLI::Option* working_dir_option = nullptr;
    CLI::Option* user_option = nullptr;
    CLI::App* parser = nullptr;
};

Result<ResourceLimits> limits_of(const RunFlags& flags)
{
    ResourceLimits limits;
    if (!flags.memory.empty())
        limits.memory_bytes = TRY_CONTEXT(parse_byte_size(flags.memory), "--memory");
    if (flags.pids_limit > 0)
        limits.pids_max = flags.pids_limit;
    if (flags.cpus > 0)
        limits.cpus = flags.cpus;
    return limits;
}

// --log-opt max-size=SIZE and max-file=N, as Docker's json-file and local log drivers take them.
Result<RotationLimits> log_limits_of(const RunFlags& flags)
{
    RotationLimits limits;
    for (const auto& option : flags.log_opts) {
        auto equals = option.find('=');
        auto key = option.substr(0, equals);
        auto value = equals == std::string::npos ? std::string() : option.substr(equals + 1);
        if (key == "max-size") {
            limits.max_bytes = TRY_CONTEXT(parse_byte_size(value), "--log-opt max-size");
            if (limits.max_bytes < kMinContainerLogBytes)
                return make_error("--log-opt max-size: must be at least {} bytes", kMinContainerLogBytes);
        } else if (key == "max-file") {
            unsigned files = 0;
            auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), files);
            if (error != std::errc() || end != value.data() + value.size() || files < 1 || files > kMaxLogGenerations)
                return make_error("--log-opt max-file: '{}' is not a number from 1 to {}", value, kMaxLogGenerations);
            limits.max_files = files;
        } else {
            return make_error("--log-opt: unknown option '{}' (max-size and max-file are known)", key);
        }
    }
    return limits;
}

// A seccomp profile is read when the container is created, as Docker does: later changes to the
// file do not reach it, nor `vmlet exec`s into it.
constexpr size_t kMaxSeccompProfile = 1 << 20;

Result<SecurityOptions> security_of(const RunFlags& flags)
{
    SecurityOptions security { .privileged = flags.privileged, .cap_add = flags.cap_add, .cap_drop = flags.cap_drop,
        .no_new_privileges = {}, .seccomp = SeccompMode::Default, .seccomp_profile = {}, .read_only_rootfs = flags.read_only };
    for (const auto& option : flags.security_opts)
        TRY(apply_security_opt(security, option, [](const std::string& path) { return read_small_file(path, kMaxSeccompProfile); }));
    return security;
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

// --network, --ip, --network-alias, --dns, --add-host (docker run reference, "Network settings").
Result<NetworkOptions> network_of(const RunFlags& flags)
{
    NetworkOptions options;
    options.network = flags.network;
    if (!flags.ip.empty()) {
        options.ip = parse_ipv4(flags.ip);
        if (!options.ip)
            return make_error("--ip {}: not an IPv4 address", flags.ip);
    }
    if (!flags.network_aliases.empty() && (flags.network == "none" || flags.network == "host" || flags.network == NetworkStore::kDefaultNetwork))
        return make_error("--network-alias needs a user network (vmlet network create), as in Docker");
    options.aliases = flags.network_aliases;
    for (const auto& server : flags.dns) {
        if (!parse_ipv4(server))
            return make_error("--dns {}: not an IPv4 address", server);
    }
    options.dns = flags.dns;
    for (const auto& entry : flags.add_hosts) {
        // NAME:IP, or NAME=IP as newer Docker also takes.
        auto separator = entry.find_first_of(":=");
        auto name = entry.substr(0, separator);
        auto address = separator == std::string::npos ? std::string() : entry.substr(separator + 1);
        if (name.empty() || !parse_ipv4(address) || name.find_first_of(" \t\n") != std::string::npos)
            return make_error("--add-host {}: use NAME:IP", entry);
        options.extra_hosts.push_back({ .address = address, .names = { name } });
    }
    return options;
}

// --restart no|on-failure[:MAX_RETRIES]|always|unless-stopped (docker run's). The monitor of a
// foreground container is the vmlet the user waits on, which ends with it: restarts need -d, as
// they need a daemon in Docker; and --rm removes what a restart would run, as Docker says too.
Result<RestartPolicy> restart_policy_of(const RunFlags& flags)
{
    RestartPolicy policy;
    std::string_view text = flags.restart;
    if (text == "always")
        policy.kind = RestartPolicy::Kind::Always;
    else if (text == "unless-stopped")
        policy.kind = RestartPolicy::Kind::UnlessStopped;
    else if (text.starts_with("on-failure")) {
        policy.kind = RestartPolicy::Kind::OnFailure;
        auto rest = text.substr(10);
        if (!rest.empty()) {
            auto digits = rest.substr(1);
            auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), policy.max_retries);
            if (rest.front() != ':' || digits.empty() || error != std::errc() || end != digits.data() + digits.size())
                return make_error("--restart: '{}' is not on-failure[:MAX_RETRIES]", text);
        }
    } else if (text != "no")
        return make_error("--restart: unknown policy '{}' (no, on-failure[:MAX_RETRIES], always, unless-stopped)", text);
    if (policy.kind != RestartPolicy::Kind::No && flags.remove)
        return make_error("conflicting options: --restart and --rm");
    if (policy.kind != RestartPolicy::Kind::No && !flags.detach && !flags.create_only)
        return make_error("--restart needs -d: a foreground container ends with the vmlet that runs it");
    return policy;
}

Result<ContainerConfig> config_of(const RunFlags& flags, const std::string& image, const std::vector<std::string>& command)
{
    ContainerConfig config;
    config.image = image;
    config.name = flags.name;
    config.isolation = flags.isolation.empty() ? TRY(default_isolation()) : TRY(parse_isolation(flags.isolation));
    config.process = TRY(run_options_of(flags, command));
    config.limits = TRY(limits_of(flags));
    config.security = TRY(security_of(flags));
    config.log = TRY(log_limits_of(flags));
    for (const auto& publish : flags.publish)
        config.ports.push_back(TRY_CONTEXT(PortMapping::parse(publish), "--publish"));
    config.network = TRY(network_of(flags));
    for (const auto& volume : flags.volumes)
        config.mounts.push_back(TRY(parse_volume_flag(volume)));
    for (const auto& mount : flags.mounts)
        config.mounts.push_back(TRY(parse_mount_flag(mount)));
    for (const auto& tmpfs : flags.tmpfs)
        config.mounts.push_back(TRY(parse_tmpfs_flag(tmpfs)));
    TRY(normalize_mount_targets(config.mounts));
    config.restart = TRY(restart_policy_of(flags));
    config.auto_remove = flags.remove;
    config.use_template = !flags.no_template;
    return config;
}

// The image, pulled first when the store lacks it (docker run's --pull=missing).
Result<void> find_or_pull(const GlobalOptions& global, const std::string& name, const RunFlags& flags)
{
    auto store = TRY(image::Store::open(global.root));
    {
        auto lock = TRY(store.lock_shared());
        auto found = image::ImageIndex(store).find(name);
        if (found.ok())
            return {};
        if (flags.pull == "never" || !image::Reference::parse(name).ok())
            return found.release_error();
    }
    fmt::print(stderr, "Unable to find image '{}' locally\n", name);
    auto reference = TRY(image::Reference::parse(name));
    auto platform = flags.platform.empty() ? image::Platform::host() : TRY(image::Platform::parse(flags.platform));
    auto limits = TRY(pull_limits_from_environment());
    PullOutput output(stderr);
    TRY(image::pull_image(store, reference, platform, output, limits));
    return {};
}

int run(const GlobalOptions& global, RunFlags& flags)
{
    auto words = flags.parser->remaining();
    if (words.empty())
        return fail(fmt::format("{0}: give an image (vmlet {0} [OPTIONS] IMAGE [CMD ARGS...])", flags.create_only ? "create" : "run"));
    if (words.front().starts_with("-"))
        return fail(unknown_flag_message(flags.create_only ? "create" : "run", words.front()));
    if (flags.tty && flags.interactive && !flags.detach && !::isatty(STDIN_FILENO))
        return fail("the input device is not a TTY");
    std::vector<std::string> command(words.begin() + 1, words.end());
    auto config = config_of(flags, words.front(), command);
    if (!config.ok())
        return fail(config.error().message());
    auto found = find_or_pull(global, words.front(), flags);
    if (!found.ok())
        return fail(found.error().message());
    auto container = Container::create(global.root, config.value());
    if (!container.ok())
        return fail(container.error().message());
    for (const auto& notice : container.value().notices())
        fmt::print(stderr, "vmlet: {}\n", notice);
    if (flags.create_only) {
        container.value().keep();
        fmt::print("{}\n", container.value().record().id);
        return 0;
    }
    if (flags.detach)
        return run_in_background(container.value(), container.value().record().id);
    return run_in_foreground(container.value(), flags.interactive, flags.tty);
}


// run and create take the same options; create keeps the container for `start`.
Command add_container_command(CLI::App& app, const GlobalOptions& global, bool create_only)
{
    auto flags = std::make_shared<RunFlags>();
    flags->create_only = create_only;
    auto* command = create_only ? app.add_subcommand("create", "Create a container from an image, to run with vmlet start")
                                : app.add_subcommand("run", "Run a command in a new container from an image");
    flags->parser = command;
    // docker run -h is --hostname; help is --help only.
    command->set_help_flag("--help", "Print this help message and exit");
    // Everything after the image name belongs to the container's command.
    command->prefix_command();
    command->fallthrough(false);
    command->add_option("--isolation", flags->isolation, "vm (a microVM with its own kernel; the default, or VMLET_ISOLATION) or process (namespaces and cgroups on this kernel)");
    command->add_flag("--rm", flags->remove, "Remove the container when it exits");
    command->add_flag("--no-template", flags->no_template, "vm isolation: boot the VM rather than restore the image's template");
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
    command->add_option("--network,--net", flags->network, "Connect to a network: a name (default: bridge), none (loopback only) or host (process isolation)");
    command->add_option("--ip", flags->ip, "The container's IPv4 address on its network");
    command->add_option("--network-alias", flags->network_aliases, "Another name for the container on a user network")->allow_extra_args(false);
    command->add_option("--dns", flags->dns, "A DNS server for the container, in place of the host's")->allow_extra_args(false);
    command->add_option("--add-host", flags->add_hosts, "Add a line to the container's /etc/hosts: NAME:IP")->allow_extra_args(false);
    command->add_option("-v,--volume", flags->volumes, "Mount a host directory or a volume: HOST_PATH:PATH[:ro], NAME:PATH[:ro] (made on first use) or PATH (a new volume)")
        ->allow_extra_args(false);
    command->add_option("--mount", flags->mounts, "Mount: type=bind|volume|tmpfs,source=...,target=...[,readonly][,tmpfs-size=SIZE][,tmpfs-mode=OCTAL]")
        ->allow_extra_args(false);
    command->add_option("--tmpfs", flags->tmpfs, "Mount a tmpfs: PATH[:size=SIZE,mode=OCTAL]")->allow_extra_args(false);
    command->add_option("-h,--hostname", flags->hostname, "The container's host name (default: its short id)");
    command->add_option("--pull", flags->pull, "Pull the image: missing (default) or never")->check(CLI::IsMember({ "missing", "never" }));
    command->add_option("--platform", flags->platform, "The platform to pull when the image is missing");
    command->add_flag("--privileged", flags->privileged, "Every capability and device, no seccomp filter and no masked /proc or /sys paths");
    command->add_option("--cap-add", flags->cap_add, "Add a capability: NET_ADMIN or CAP_NET_ADMIN, or ALL")->allow_extra_args(false);
    command->add_option("--cap-drop", flags->cap_drop, "Drop a capability of the default set, or ALL")->allow_extra_args(false);
    command->add_option("--security-opt", flags->security_opts,
               "seccomp=unconfined, seccomp=PROFILE.json (moby's format), no-new-privileges[=true|false] (default: true)")
        ->allow_extra_args(false);
    command->add_flag("--read-only", flags->read_only, "Mount the container's root read-only");
    command->add_option("--log-opt", flags->log_opts, "max-size=SIZE (default 10m) and max-file=N (default 2): how much of the container's log is kept")
        ->allow_extra_args(false);
    command->add_option("--restart", flags->restart, "Restart policy of a -d container: no (default), on-failure[:MAX_RETRIES], always or unless-stopped");
    return { command, [flags, &global] { return run(global, *flags); } };
}

}

Command add_run_command(CLI::App& app, const GlobalOptions& global)
{
    return add_container_command(app, global, false);
}

Command add_create_command(CLI::App& app, const GlobalOptions& global)
{
    return add_container_command(app, global, true);
}

}
