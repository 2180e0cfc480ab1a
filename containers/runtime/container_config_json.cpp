#include "containers/runtime/container_config_json.h"

#include <algorithm>
#include <iterator>

namespace vmlet {

using namespace image::json_fields;

namespace {

constexpr std::pair<SeccompMode, const char*> seccomp_modes[] = {
    { SeccompMode::Default, "default" }, { SeccompMode::Unconfined, "unconfined" }, { SeccompMode::Profile, "profile" }
};

constexpr std::pair<MountSpec::Kind, const char*> mount_kinds[] = {
    { MountSpec::Kind::Bind, "bind" },
    { MountSpec::Kind::Volume, "volume" },
    { MountSpec::Kind::Tmpfs, "tmpfs" },
};

constexpr std::pair<RestartPolicy::Kind, const char*> restart_kinds[] = {
    { RestartPolicy::Kind::No, "no" },
    { RestartPolicy::Kind::OnFailure, "on-failure" },
    { RestartPolicy::Kind::Always, "always" },
    { RestartPolicy::Kind::UnlessStopped, "unless-stopped" },
};

template<typename Value, size_t N>
const char* name_of(const std::pair<Value, const char*> (&names)[N], Value value)
{
    return std::find_if(std::begin(names), std::end(names), [&](const auto& entry) { return entry.first == value; })->second;
}

template<typename Value, size_t N>
Result<Value> value_of(const std::pair<Value, const char*> (&names)[N], std::string_view name, std::string_view what)
{
    auto known = std::find_if(std::begin(names), std::end(names), [&](const auto& entry) { return name == entry.second; });
    if (known == std::end(names))
        return make_error("the container record has an unknown {} '{}'", what, name);
    return known->first;
}

Result<bool> boolean_or(const Json& object, const char* field, bool absent)
{
    if (!object.contains(field))
        return absent;
    if (!object[field].is_boolean())
        return make_error("the field {} is not a boolean", field);
    return object[field].get<bool>();
}

template<typename Number>
Result<std::optional<Number>> optional_number(const Json& object, const char* field)
{
    if (!object.contains(field) || object[field].is_null())
        return std::optional<Number>();
    if (!object[field].is_number())
        return make_error("the field {} is not a number", field);
    return std::optional<Number>(object[field].get<Number>());
}

Result<std::optional<std::string>> optional_string(const Json& object, const char* field)
{
    if (!object.contains(field) || object[field].is_null())
        return std::optional<std::string>();
    return std::optional<std::string>(TRY(required_string(object, field)));
}

Result<const Json*> required_object(const Json& object, const char* field)
{
    auto found = TRY(object_or_null(object, field));
    if (!found)
        return make_error("the container record's config has no {}", field);
    return found;
}

}

Json security_json(const SecurityOptions& security)
{
    Json json {
        { "privileged", security.privileged }, { "cap_add", security.cap_add }, { "cap_drop", security.cap_drop },
        { "seccomp", std::find_if(std::begin(seccomp_modes), std::end(seccomp_modes), [&](const auto& entry) { return entry.first == security.seccomp; })->second },
        { "seccomp_profile", security.seccomp_profile },
        { "read_only_rootfs", security.read_only_rootfs },
    };
    if (security.no_new_privileges)
        json["no_new_privileges"] = *security.no_new_privileges;
    return json;
}

// A record without "security" is one of a vmlet before these options: Docker's defaults apply.
Result<SecurityOptions> parse_security(const Json& record)
{
    SecurityOptions security;
    auto object = TRY(object_or_null(record, "security"));
    if (!object)
        return security;
    auto boolean = [&](const char* field) -> Result<bool> {
        if (!object->contains(field))
            return false;
        if (!(*object)[field].is_boolean())
            return make_error("the field {} is not a boolean", field);
        return (*object)[field].get<bool>();
    };
    security.privileged = TRY(boolean("privileged"));
    security.read_only_rootfs = TRY(boolean("read_only_rootfs"));
    if (object->contains("no_new_privileges"))
        security.no_new_privileges = TRY(boolean("no_new_privileges"));
    security.cap_add = TRY(strings_or_empty(*object, "cap_add"));
    security.cap_drop = TRY(strings_or_empty(*object, "cap_drop"));
    auto mode = TRY(string_or_empty(*object, "seccomp"));
    auto known = std::find_if(std::begin(seccomp_modes), std::end(seccomp_modes), [&](const auto& entry) { return mode == entry.second; });
    if (!mode.empty() && known == std::end(seccomp_modes))
        return make_error("unknown seccomp mode \"{}\"", mode);
    security.seccomp = mode.empty() ? SeccompMode::Default : known->first;
    security.seccomp_profile = TRY(string_or_empty(*object, "seccomp_profile"));
    return security;
}

Json mounts_json(const std::vector<MountSpec>& mounts)
{
    auto array = Json::array();
    for (const auto& mount : mounts) {
        Json json { { "type", std::find_if(std::begin(mount_kinds), std::end(mount_kinds), [&](const auto& entry) { return entry.first == mount.kind; })->second },
            { "source", mount.source }, { "host_path", mount.host_path }, { "target", mount.target }, { "read_only", mount.read_only } };
        if (mount.no_exec)
            json["no_exec"] = true;
        if (mount.no_suid)
            json["no_suid"] = true;
        if (mount.tmpfs_size)
            json["tmpfs_size"] = *mount.tmpfs_size;
        if (mount.tmpfs_mode)
            json["tmpfs_mode"] = *mount.tmpfs_mode;
        array.push_back(std::move(json));
    }
    return array;
}

Result<std::vector<MountSpec>> parse_mounts(const Json& record)
{
    std::vector<MountSpec> mounts;
    if (!record.contains("mounts"))
        return mounts;
    if (!record["mounts"].is_array())
        return make_error("the container record's mounts are not a list");
    for (const auto& json : record["mounts"]) {
        if (!json.is_object())
            return make_error("a mount of the container record is not an object");
        MountSpec mount;
        auto type = TRY(required_string(json, "type"));
        auto known = std::find_if(std::begin(mount_kinds), std::end(mount_kinds), [&](const auto& entry) { return type == entry.second; });
        if (known == std::end(mount_kinds))
            return make_error("the container record has a mount of unknown type '{}'", type);
        mount.kind = known->first;
        mount.source = TRY(string_or_empty(json, "source"));
        mount.host_path = TRY(string_or_empty(json, "host_path"));
        mount.target = TRY(required_string(json, "target"));
        mount.read_only = json.value("read_only", false);
        mount.no_exec = json.value("no_exec", false);
        mount.no_suid = json.value("no_suid", false);
        if (json.contains("tmpfs_size") && json["tmpfs_size"].is_number_unsigned())
            mount.tmpfs_size = json["tmpfs_size"].get<uint64_t>();
        if (json.contains("tmpfs_mode") && json["tmpfs_mode"].is_number_unsigned())
            mount.tmpfs_mode = json["tmpfs_mode"].get<uint32_t>();
        mounts.push_back(std::move(mount));
    }
    return mounts;
}

Json config_json(const ContainerConfig& config)
{
    const auto& process = config.process;
    Json ports = Json::array();
    for (const auto& port : config.ports)
        ports.push_back({ { "host_ip", port.host_ip }, { "host_port", port.host_port }, { "container_port", port.container_port },
            { "protocol", port.protocol == PortMapping::Protocol::Udp ? "udp" : "tcp" } });
    Json hosts = Json::array();
    for (const auto& host : config.network.extra_hosts)
        hosts.push_back({ { "address", host.address }, { "names", host.names } });
    Json json {
        { "image", config.image }, { "name", config.name }, { "isolation", std::string(isolation_name(config.isolation)) },
        { "process", { { "entrypoint", process.entrypoint ? Json(*process.entrypoint) : Json() }, { "command", process.command },
                         { "env", process.env }, { "env_file", process.env_file },
                         { "working_dir", process.working_dir ? Json(*process.working_dir) : Json() },
                         { "user", process.user ? Json(*process.user) : Json() }, { "hostname", process.hostname }, { "tty", process.tty } } },
        { "limits", { { "memory_bytes", config.limits.memory_bytes ? Json(*config.limits.memory_bytes) : Json() },
                        { "pids_max", config.limits.pids_max ? Json(*config.limits.pids_max) : Json() },
                        { "cpus", config.limits.cpus ? Json(*config.limits.cpus) : Json() } } },
        { "security", security_json(config.security) },
        { "log", { { "max_bytes", config.log.max_bytes }, { "max_files", config.log.max_files } } },
        { "ports", ports },
        { "network", { { "network", config.network.network }, { "ip", config.network.ip ? Json(*config.network.ip) : Json() },
                         { "aliases", config.network.aliases }, { "dns", config.network.dns }, { "extra_hosts", hosts } } },
        { "mounts", mounts_json(config.mounts) },
        { "restart", { { "policy", name_of(restart_kinds, config.restart.kind) }, { "max_retries", config.restart.max_retries } } },
        { "auto_remove", config.auto_remove }, { "use_template", config.use_template },
    };
    return json;
}

Result<ContainerConfig> parse_config(const Json& object)
{
    ContainerConfig config;
    config.image = TRY(required_string(object, "image"));
    config.name = TRY(string_or_empty(object, "name"));
    auto isolation = TRY(required_string(object, "isolation"));
    config.isolation = TRY(parse_isolation(isolation));

    const auto& process = *TRY(required_object(object, "process"));
    config.process.entrypoint = TRY(optional_string(process, "entrypoint"));
    config.process.command = TRY(strings_or_empty(process, "command"));
    config.process.env = TRY(strings_or_empty(process, "env"));
    config.process.env_file = TRY(strings_or_empty(process, "env_file"));
    config.process.working_dir = TRY(optional_string(process, "working_dir"));
    config.process.user = TRY(optional_string(process, "user"));
    config.process.hostname = TRY(string_or_empty(process, "hostname"));
    config.process.tty = TRY(boolean_or(process, "tty", false));

    const auto& limits = *TRY(required_object(object, "limits"));
    config.limits.memory_bytes = TRY(optional_number<uint64_t>(limits, "memory_bytes"));
    config.limits.pids_max = TRY(optional_number<uint64_t>(limits, "pids_max"));
    config.limits.cpus = TRY(optional_number<double>(limits, "cpus"));
    config.security = TRY(parse_security(object));

    const auto& log = *TRY(required_object(object, "log"));
    config.log.max_bytes = TRY(optional_number<uint64_t>(log, "max_bytes")).value_or(config.log.max_bytes);
    config.log.max_files = TRY(optional_number<unsigned>(log, "max_files")).value_or(config.log.max_files);

    if (!object.contains("ports") || !object["ports"].is_array())
        return make_error("the container record's config has no list of ports");
    for (const auto& json : object["ports"]) {
        if (!json.is_object())
            return make_error("a port of the container record is not an object");
        PortMapping port;
        port.host_ip = TRY(required_string(json, "host_ip"));
        port.host_port = TRY(optional_number<uint16_t>(json, "host_port")).value_or(0);
        port.container_port = TRY(optional_number<uint16_t>(json, "container_port")).value_or(0);
        port.protocol = TRY(required_string(json, "protocol")) == "udp" ? PortMapping::Protocol::Udp : PortMapping::Protocol::Tcp;
        config.ports.push_back(std::move(port));
    }

    const auto& network = *TRY(required_object(object, "network"));
    config.network.network = TRY(required_string(network, "network"));
    config.network.ip = TRY(optional_number<uint32_t>(network, "ip"));
    config.network.aliases = TRY(strings_or_empty(network, "aliases"));
    config.network.dns = TRY(strings_or_empty(network, "dns"));
    if (network.contains("extra_hosts") && network["extra_hosts"].is_array()) {
        for (const auto& json : network["extra_hosts"]) {
            if (!json.is_object())
                return make_error("an extra host of the container record is not an object");
            auto address = TRY(required_string(json, "address"));
            config.network.extra_hosts.push_back({ .address = std::move(address), .names = TRY(strings_or_empty(json, "names")) });
        }
    }
    config.mounts = TRY(parse_mounts(object));
    const auto& restart = *TRY(required_object(object, "restart"));
    auto policy = TRY(required_string(restart, "policy"));
    config.restart.kind = TRY(value_of(restart_kinds, policy, "restart policy"));
    config.restart.max_retries = TRY(optional_number<unsigned>(restart, "max_retries")).value_or(0);
    config.auto_remove = TRY(boolean_or(object, "auto_remove", false));
    config.use_template = TRY(boolean_or(object, "use_template", true));
    return config;
}

}
