#include "containers/runtime/vm/agent_spec.h"

#include "containers/runtime/vm/volume_exports.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <sys/random.h>

#include <algorithm>

namespace vmlet {

namespace {

void field(std::string& out, vmlet_agent_field tag, std::string_view value)
{
    out += static_cast<char>(tag);
    out += value;
    out += '\0';
}

}

HostState current_host_state()
{
    HostState state;
    ::clock_gettime(CLOCK_REALTIME, &state.time);
    for (size_t done = 0; done < state.entropy.size();) {
        ssize_t got = ::getrandom(state.entropy.data() + done, state.entropy.size() - done, 0);
        if (got > 0)
            done += static_cast<size_t>(got);
    }
    return state;
}

std::string encode_agent_spec(const ContainerSpec& spec, const ExecUser& user, const AgentSpecOptions& options)
{
    std::string fields;
    for (const auto& arg : spec.args)
        field(fields, VMLET_AGENT_FIELD_ARG, arg);
    bool has_home = std::any_of(spec.env.begin(), spec.env.end(), [](const std::string& v) { return v.starts_with("HOME="); });
    for (const auto& variable : spec.env)
        field(fields, VMLET_AGENT_FIELD_ENV, variable);
    // HOME from the image's /etc/passwd when the environment has none, as Docker does.
    if (!has_home)
        field(fields, VMLET_AGENT_FIELD_ENV, "HOME=" + user.home);
    field(fields, VMLET_AGENT_FIELD_WORKDIR, spec.working_dir.empty() ? "/" : spec.working_dir);
    field(fields, VMLET_AGENT_FIELD_USER, fmt::format("{}:{}", user.uid, user.gid));
    for (auto gid : user.supplementary_gids)
        field(fields, VMLET_AGENT_FIELD_GROUP, std::to_string(gid));
    if (!spec.hostname.empty())
        field(fields, VMLET_AGENT_FIELD_HOSTNAME, spec.hostname);
    if (spec.limits.pids_max)
        field(fields, VMLET_AGENT_FIELD_PIDS_MAX, std::to_string(*spec.limits.pids_max));
    if (options.stdin_attached)
        field(fields, VMLET_AGENT_FIELD_STDIN, "");
    if (options.loopback)
        field(fields, VMLET_AGENT_FIELD_LOOPBACK, "");
    if (options.stream_port)
        field(fields, VMLET_AGENT_FIELD_STREAM_PORT, std::to_string(*options.stream_port));
    if (options.terminal)
        field(fields, VMLET_AGENT_FIELD_TERMINAL, fmt::format("{}:{}", options.terminal->rows, options.terminal->cols));
    if (options.host_state) {
        field(fields, VMLET_AGENT_FIELD_TIME, fmt::format("{}.{:09}", options.host_state->time.tv_sec, options.host_state->time.tv_nsec));
        field(fields, VMLET_AGENT_FIELD_ENTROPY, fmt::format("{:02x}", fmt::join(options.host_state->entropy, "")));
    }
    if (spec.network) {
        const auto& network = *spec.network;
        field(fields, VMLET_AGENT_FIELD_NETWORK,
            fmt::format("{} {}/{} {} {}", format_mac(network.mac), format_ipv4(network.address), network.prefix_length, format_ipv4(network.gateway), network.mtu));
    }
    if (!spec.etc_hosts.empty())
        field(fields, VMLET_AGENT_FIELD_HOSTS, spec.etc_hosts);
    if (!spec.etc_resolv_conf.empty())
        field(fields, VMLET_AGENT_FIELD_RESOLV_CONF, spec.etc_resolv_conf);
    if (!options.stream_port && !spec.rootfs.ephemeral) // the container's layer outlives the VM, on its disk
        field(fields, VMLET_AGENT_FIELD_LAYER_DISK, "");
    if (!options.stream_port) { // the container's spec: an exec has the container's mounts already
        auto exports = volume_exports(spec);
        auto share = exports.begin();
        for (const auto& mount : spec.mounts) {
            auto access = fmt::format("{}{}{}", mount.read_only ? 'r' : 'w', mount.no_exec ? "x" : "", mount.no_suid ? "s" : "");
            if (mount.kind == MountSpec::Kind::Tmpfs)
                field(fields, VMLET_AGENT_FIELD_MOUNT, fmt::format("t{} {}:{:o} {}", access, mount.tmpfs_size.value_or(0), mount.tmpfs_mode.value_or(01777), mount.target));
            else
                field(fields, VMLET_AGENT_FIELD_MOUNT, fmt::format("s{} {} {}", access, (share++)->name, mount.target));
        }
        if (!spec.rootfs.bundle_root.empty())
            field(fields, VMLET_AGENT_FIELD_BUNDLE_ROOT, exports.back().name);
    }
    auto length = static_cast<uint32_t>(fields.size());
    std::string message;
    for (int shift = 0; shift < 32; shift += 8)
        message += static_cast<char>((length >> shift) & 0xff);
    return message + fields;
}

}
