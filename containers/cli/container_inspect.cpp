#include "containers/cli/container_inspect.h"

#include "containers/runtime/container_pause.h"
#include "containers/runtime/network/network_store.h"

#include <fmt/format.h>

namespace vmlet {

using Json = nlohmann::json;

namespace {

// Go's zero time, which Docker prints for a container that never started or never finished.
constexpr const char* kZeroTime = "0001-01-01T00:00:00Z";

std::string time_or_zero(const std::string& rfc3339)
{
    return rfc3339.empty() ? kZeroTime : rfc3339;
}

// Docker's State.Status: created, running, paused, exited (also restarting, removing, dead, which
// vmlet has not).
std::string status_of(const ContainerRecord& record, bool paused)
{
    if (record.state == ContainerState::Running && paused)
        return "paused";
    return std::string(state_name(record.state));
}

const char* mount_type(MountSpec::Kind kind)
{
    switch (kind) {
    case MountSpec::Kind::Bind:
        return "bind";
    case MountSpec::Kind::Volume:
        return "volume";
    case MountSpec::Kind::Tmpfs:
        return "tmpfs";
    }
    return "bind";
}

// Docker's MountPoint: Name only for volumes, Source the host directory (a volume's _data; none
// for tmpfs), Mode "ro" when read-only.
Json mount_json(const MountSpec& mount)
{
    Json json { { "Type", mount_type(mount.kind) }, { "Source", mount.host_path }, { "Destination", mount.target },
        { "Mode", mount.read_only ? "ro" : "" }, { "RW", !mount.read_only }, { "Propagation", mount.kind == MountSpec::Kind::Bind ? "rprivate" : "" } };
    if (mount.kind == MountSpec::Kind::Volume) {
        json["Name"] = mount.source;
        json["Driver"] = "local";
    }
    return json;
}

// HostConfig.Binds ("SOURCE:TARGET[:ro]", binds and named volumes) and HostConfig.Tmpfs
// ({TARGET: "size=...,mode=..."}), as docker run -v and --tmpfs fill them.
std::pair<Json, Json> binds_and_tmpfs(const std::vector<MountSpec>& mounts)
{
    Json binds = Json::array(), tmpfs = Json::object();
    for (const auto& mount : mounts) {
        if (mount.kind == MountSpec::Kind::Tmpfs) {
            std::string options;
            if (mount.tmpfs_size)
                options = fmt::format("size={}", *mount.tmpfs_size);
            if (mount.tmpfs_mode)
                options += fmt::format("{}mode={:o}", options.empty() ? "" : ",", *mount.tmpfs_mode);
            tmpfs[mount.target] = options;
            continue;
        }
        binds.push_back(mount.source + ":" + mount.target + (mount.read_only ? ":ro" : ""));
    }
    return { binds, tmpfs };
}

Json security_opt(const SecurityOptions& security)
{
    Json options = Json::array();
    if (security.seccomp == SeccompMode::Unconfined)
        options.push_back("seccomp=unconfined");
    else if (security.seccomp == SeccompMode::Profile)
        options.push_back("seccomp=" + security.seccomp_profile);
    if (security.no_new_privileges)
        options.push_back(fmt::format("no-new-privileges={}", *security.no_new_privileges));
    return options;
}

Json network_settings(const ContainerRecord& record, const ContainerInspectFacts& facts)
{
    Json networks = Json::object();
    if (!record.network.empty()) {
        Json endpoint { { "IPAddress", "" }, { "IPPrefixLen", 0 }, { "Gateway", "" }, { "MacAddress", "" }, { "Aliases", facts.aliases } };
        if (facts.network) {
            endpoint["IPAddress"] = format_ipv4(facts.network->address);
            endpoint["IPPrefixLen"] = facts.network->prefix_length;
            endpoint["Gateway"] = format_ipv4(facts.network->gateway);
            endpoint["MacAddress"] = format_mac(facts.network->mac);
        }
        networks[record.network] = endpoint;
    }
    return { { "Networks", networks }, { "Ports", Json::object() } };
}

}

Json inspect_container(const ContainerRecord& record, const ContainerInspectFacts& facts)
{
    bool running = record.state == ContainerState::Running;
    Json state {
        { "Status", status_of(record, facts.paused) },
        { "Running", running },
        { "Paused", running && facts.paused },
        { "Restarting", false },
        { "OOMKilled", false },
        { "Dead", false },
        { "Pid", running ? record.container_pid : 0 },
        { "ExitCode", running ? 0 : record.exit_code },
        { "Error", "" },
        { "StartedAt", time_or_zero(record.started) },
        { "FinishedAt", running ? kZeroTime : time_or_zero(record.finished) },
    };
    auto [binds, tmpfs] = binds_and_tmpfs(record.mounts);
    const auto& security = record.security;
    // What it was created with; a record of a vmlet before issue 16 has none, and shows Docker's
    // "none set" (the Vmlet section says so).
    const ContainerConfig config = record.config.value_or(ContainerConfig {});
    Json port_bindings = Json::object();
    for (const auto& port : config.ports)
        port_bindings[fmt::format("{}/{}", port.container_port, port.protocol == PortMapping::Protocol::Udp ? "udp" : "tcp")].push_back(
            { { "HostIp", port.host_ip }, { "HostPort", std::to_string(port.host_port) } });
    static constexpr const char* restart_names[] = { "no", "on-failure", "always", "unless-stopped" };
    Json host_config {
        { "Isolation", std::string(isolation_name(record.isolation)) },
        { "Memory", config.limits.memory_bytes.value_or(0) },
        { "NanoCpus", static_cast<int64_t>(config.limits.cpus.value_or(0) * 1e9) },
        { "PidsLimit", config.limits.pids_max ? Json(*config.limits.pids_max) : Json(nullptr) },
        { "RestartPolicy", { { "Name", restart_names[static_cast<int>(config.restart.kind)] }, { "MaximumRetryCount", config.restart.max_retries } } },
        { "Privileged", security.privileged },
        { "ReadonlyRootfs", security.read_only_rootfs },
        { "CapAdd", security.cap_add.empty() ? Json(nullptr) : Json(security.cap_add) },
        { "CapDrop", security.cap_drop.empty() ? Json(nullptr) : Json(security.cap_drop) },
        { "SecurityOpt", security_opt(security) },
        { "PortBindings", port_bindings },
        { "NetworkMode", record.network.empty() ? "none" : record.network },
        { "Binds", binds },
        { "Tmpfs", tmpfs },
        { "AutoRemove", record.auto_remove },
    };
    Json mounts = Json::array();
    for (const auto& mount : record.mounts)
        mounts.push_back(mount_json(mount));
    std::vector<std::string> args;
    if (record.command.size() > 1)
        args.assign(record.command.begin() + 1, record.command.end());
    return {
        { "Id", record.id },
        { "Created", record.created },
        { "RestartCount", record.restart_count },
        { "Path", record.command.empty() ? "" : record.command.front() },
        { "Args", args },
        { "State", state },
        { "Image", record.image_id },
        { "Name", "/" + record.name },
        { "HostConfig", host_config },
        { "Mounts", mounts },
        { "Config", {
            { "Hostname", config.process.hostname.empty() ? record.id.substr(0, 12) : config.process.hostname },
            { "User", record.user },
            { "Env", record.env },
            { "Cmd", record.command },
            { "Image", record.image_name },
            { "WorkingDir", record.working_dir },
        } },
        { "NetworkSettings", network_settings(record, facts) },
        { "Vmlet", {
            { "Isolation", std::string(isolation_name(record.isolation)) },
            { "MonitorPid", running ? record.monitor_pid : 0 },
            { "Cgroups", running ? Json(record.cgroups) : Json::array() },
            { "ConfigRecorded", record.config.has_value() },
        } },
    };
}

std::optional<Json> inspect_container_named(const std::string& root, const std::string& name_or_id)
{
    auto store = ContainerStore::open(root);
    if (!store.ok())
        return std::nullopt;
    auto record = store.value().find(name_or_id);
    if (!record.ok())
        return std::nullopt;
    ContainerInspectFacts facts { .paused = container_paused(store.value(), record.value()), .network = {}, .aliases = {} };
    // The address is the network store's; a network removed since reads as no address.
    if (!record.value().network.empty()) {
        auto networks = NetworkStore::open(root);
        auto network = networks.ok() ? networks.value().find(record.value().network) : Result<Network>(make_error("no network store"));
        if (network.ok()) {
            auto endpoint = network.value().endpoints.find(record.value().id);
            if (endpoint != network.value().endpoints.end()) {
                facts.network = attachment_of(network.value(), endpoint->second);
                facts.aliases = endpoint->second.aliases;
            }
        }
    }
    return inspect_container(record.value(), facts);
}

}
