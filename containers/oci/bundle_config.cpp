#include "containers/oci/bundle_config.h"

#include "containers/image/json_fields.h"
#include "containers/runtime/process/capabilities.h"
#include "containers/runtime/sysctl_spec.h"

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <limits>
#include <utility>

namespace vmlet::oci {

namespace {

using namespace image::json_fields;

// What every process may hold at most, as the runtime spec's capability sets (config.md
// "POSIX process", capabilities): vmlet applies one set, so it takes what all the given ones share.
constexpr std::array kCapabilitySets { "bounding", "effective", "permitted" };

// The mounts vmlet's sandbox makes itself, as runc's defaults lay them out (config-linux.md
// "Default Filesystems" and runtime's own /dev): a bundle's entry for one of these is met by
// vmlet's own, with its own flags (nodev, nosuid, masked paths), never by the bundle's source.
constexpr std::array kProvidedMounts { "/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup" };

constexpr std::array<std::pair<const char*, int>, 16> kRlimits { {
    { "RLIMIT_AS", RLIMIT_AS }, { "RLIMIT_CORE", RLIMIT_CORE }, { "RLIMIT_CPU", RLIMIT_CPU }, { "RLIMIT_DATA", RLIMIT_DATA },
    { "RLIMIT_FSIZE", RLIMIT_FSIZE }, { "RLIMIT_LOCKS", RLIMIT_LOCKS }, { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
    { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE }, { "RLIMIT_NOFILE", RLIMIT_NOFILE },
    { "RLIMIT_NPROC", RLIMIT_NPROC }, { "RLIMIT_RSS", RLIMIT_RSS }, { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
    { "RLIMIT_RTTIME", RLIMIT_RTTIME }, { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_STACK", RLIMIT_STACK },
} };

Result<std::optional<uint64_t>> unsigned_field(const Json& object, const char* field, std::string_view where)
{
    auto found = object.find(field);
    if (found == object.end() || found->is_null())
        return std::optional<uint64_t>();
    if (!found->is_number_unsigned())
        return make_error("{}.{} is not an unsigned number", where, field);
    return std::optional<uint64_t>(found->get<uint64_t>());
}

// A limit of linux.resources: Go's int64, where -1 (or any value below 1) means unlimited.
Result<std::optional<uint64_t>> limit_field(const Json& object, const char* field, std::string_view where)
{
    auto found = object.find(field);
    if (found == object.end() || found->is_null())
        return std::optional<uint64_t>();
    if (!found->is_number_integer())
        return make_error("{}.{} is not an integer", where, field);
    auto value = found->get<int64_t>();
    return value > 0 ? std::optional<uint64_t>(static_cast<uint64_t>(value)) : std::nullopt;
}

// tmpfs(5)'s size=: bytes, or with a k, m or g suffix (containerd writes "65536k"). A share of
// RAM ("50%") is the guest's or the host's, so neither: refused.
Result<uint64_t> tmpfs_size(const std::string& text, const std::string& destination)
{
    auto digits = text;
    uint64_t unit = 1;
    if (!digits.empty()) {
        switch (digits.back()) {
        case 'k': case 'K': unit = uint64_t(1) << 10; break;
        case 'm': case 'M': unit = uint64_t(1) << 20; break;
        case 'g': case 'G': unit = uint64_t(1) << 30; break;
        default: break;
        }
        if (unit != 1)
            digits.pop_back();
    }
    if (digits.empty() || digits.size() > 12 || !std::ranges::all_of(digits, [](char c) { return c >= '0' && c <= '9'; }))
        return make_error("tmpfs on {}: size {} is not a number of bytes (with k, m or g)", destination, text);
    uint64_t count = std::stoull(digits);
    if (count > std::numeric_limits<uint64_t>::max() / unit)
        return make_error("tmpfs on {}: size {} is too large", destination, text);
    return count * unit;
}

// A config is a few levels deep; the seccomp profile is written back out (dump), which recurses
// once per level: a hostile depth is refused first, walked without recursion.
constexpr size_t kMaxDepth = 32;

bool deeper_than(const Json& document, size_t limit)
{
    std::vector<std::pair<const Json*, size_t>> pending { { &document, 1 } };
    while (!pending.empty()) {
        auto [value, depth] = pending.back();
        pending.pop_back();
        if (depth > limit)
            return true;
        if (value->is_structured())
            for (const auto& child : *value)
                pending.emplace_back(&child, depth + 1);
    }
    return false;
}

bool non_empty(const Json& object, const char* field)
{
    auto found = object.find(field);
    return found != object.end() && !found->is_null() && !found->empty();
}

Result<std::string> absolute_in(const std::string& path, const std::string& bundle, std::string_view what)
{
    if (path.empty())
        return make_error("{} is empty", what);
    auto joined = path.front() == '/' ? std::filesystem::path(path) : std::filesystem::path(bundle) / path;
    return joined.lexically_normal().string();
}

Result<bool> bool_field(const Json& object, const char* field, std::string_view where)
{
    auto found = object.find(field);
    if (found == object.end() || found->is_null())
        return false;
    if (!found->is_boolean())
        return make_error("{}.{} is not true or false", where, field);
    return found->get<bool>();
}

// The names in every set given (none given: none at all, as runc gives).
Result<std::vector<std::string>> capability_names(const Json& process)
{
    auto capabilities = TRY(object_or_null(process, "capabilities"));
    std::vector<std::string> kept;
    if (!capabilities)
        return kept;
    uint64_t mask = ~uint64_t(0);
    std::vector<std::string> first;
    bool any = false;
    for (const char* set : kCapabilitySets) {
        auto names = TRY(strings_or_empty(*capabilities, set));
        if (!capabilities->contains(set))
            continue;
        uint64_t this_set = 0;
        for (const auto& name : names) {
            auto number = capability_number(name);
            if (!number)
                return make_error("process.capabilities.{}: unknown capability {}", set, name);
            this_set |= uint64_t(1) << *number;
        }
        mask &= this_set;
        if (!any)
            first = std::move(names);
        any = true;
    }
    for (auto& name : first)
        if (mask & (uint64_t(1) << *capability_number(name)) && std::ranges::find(kept, name) == kept.end())
            kept.push_back(std::move(name));
    return kept;
}

Result<std::vector<ProcessRlimit>> rlimits_of(const Json& process)
{
    std::vector<ProcessRlimit> rlimits;
    auto entries = TRY(array_or_null(process, "rlimits"));
    if (!entries)
        return rlimits;
    for (const auto& entry : *entries) {
        if (!entry.is_object())
            return make_error("process.rlimits has an entry that is not an object");
        auto type = TRY(required_string(entry, "type"));
        auto known = std::ranges::find_if(kRlimits, [&](const auto& pair) { return type == pair.first; });
        if (known == kRlimits.end())
            return make_error("process.rlimits: unknown type {}", type);
        auto soft = TRY(unsigned_field(entry, "soft", "process.rlimits"));
        auto hard = TRY(unsigned_field(entry, "hard", "process.rlimits"));
        if (!soft || !hard || *soft > *hard)
            return make_error("process.rlimits {}: soft and hard are needed, soft at most hard", type);
        rlimits.push_back({ .resource = known->second, .soft = *soft, .hard = *hard });
    }
    return rlimits;
}

Result<BundleProcess> process_of(const Json& process)
{
    BundleProcess parsed;
    parsed.args = TRY(strings_or_empty(process, "args"));
    if (parsed.args.empty() || parsed.args.front().empty())
        return make_error("process.args is empty: no command to run");
    if (process.contains("commandLine"))
        return make_error("process.commandLine is for Windows: not supported");
    parsed.env = TRY(strings_or_empty(process, "env"));
    parsed.cwd = TRY(required_string(process, "cwd"));
    if (parsed.cwd.empty() || parsed.cwd.front() != '/')
        return make_error("process.cwd {} is not an absolute path", parsed.cwd);
    auto user = TRY(object_or_null(process, "user"));
    uint64_t uid = 0, gid = 0;
    if (user) {
        uid = TRY(unsigned_field(*user, "uid", "process.user")).value_or(0);
        gid = TRY(unsigned_field(*user, "gid", "process.user")).value_or(0);
        if (uid > std::numeric_limits<uint32_t>::max() - 1 || gid > std::numeric_limits<uint32_t>::max() - 1)
            return make_error("process.user: uid {} or gid {} is out of range", uid, gid);
    }
    parsed.user = fmt::format("{}:{}", uid, gid);
    if (TRY(bool_field(process, "terminal", "process"))) {
        TerminalSize size;
        if (auto console = TRY(object_or_null(process, "consoleSize"))) {
            auto height = TRY(unsigned_field(*console, "height", "process.consoleSize")).value_or(0);
            auto width = TRY(unsigned_field(*console, "width", "process.consoleSize")).value_or(0);
            size = TerminalSize { static_cast<uint16_t>(std::min<uint64_t>(height, UINT16_MAX)),
                static_cast<uint16_t>(std::min<uint64_t>(width, UINT16_MAX)) };
        }
        parsed.terminal = size;
    }
    // The runtime spec's sets are absolute: everything but what they list is dropped.
    parsed.security.cap_drop = { "ALL" };
    parsed.security.cap_add = TRY(capability_names(process));
    parsed.security.no_new_privileges = TRY(bool_field(process, "noNewPrivileges", "process"));
    parsed.rlimits = TRY(rlimits_of(process));
    return parsed;
}

Result<void> add_mounts(const Json& config, const std::string& bundle, ContainerSpec& spec)
{
    auto mounts = TRY(array_or_null(config, "mounts"));
    if (!mounts)
        return {};
    for (const auto& entry : *mounts) {
        if (!entry.is_object())
            return make_error("mounts has an entry that is not an object");
        auto destination = TRY(required_string(entry, "destination"));
        if (destination.empty() || destination.front() != '/')
            return make_error("mount destination {} is not an absolute path", destination);
        destination = std::filesystem::path(destination).lexically_normal().string();
        if (destination.size() > 1 && destination.back() == '/')
            destination.pop_back();
        auto type = TRY(string_or_empty(entry, "type"));
        auto options = TRY(strings_or_empty(entry, "options"));
        auto has = [&](std::string_view option) { return std::ranges::find(options, option) != options.end(); };
        if (std::ranges::find(kProvidedMounts, destination) != kProvidedMounts.end())
            continue;
        MountSpec mount;
        mount.target = destination;
        // The last of a pair wins, as in mount(8)'s option lists.
        for (const auto& option : options) {
            if (option == "ro" || option == "rw")
                mount.read_only = option == "ro";
            else if (option == "noexec" || option == "exec")
                mount.no_exec = option == "noexec";
            else if (option == "nosuid" || option == "suid")
                mount.no_suid = option == "nosuid";
        }
        if (type == "bind" || has("bind") || has("rbind")) {
            mount.kind = MountSpec::Kind::Bind;
            auto source = TRY(string_or_empty(entry, "source"));
            mount.source = mount.host_path = TRY(absolute_in(source, bundle, "a bind mount's source"));
        } else if (type == "tmpfs") {
            mount.kind = MountSpec::Kind::Tmpfs;
            for (const auto& option : options) {
                if (option.starts_with("size=")) {
                    mount.tmpfs_size = TRY(tmpfs_size(option.substr(5), destination));
                } else if (option.starts_with("mode=")) {
                    auto mode = option.substr(5);
                    if (mode.empty() || mode.size() > 4 || !std::ranges::all_of(mode, [](char c) { return c >= '0' && c <= '7'; }))
                        return make_error("tmpfs on {}: mode {} is not octal", destination, mode);
                    mount.tmpfs_mode = static_cast<uint32_t>(std::stoul(mode, nullptr, 8));
                }
            }
        } else {
            return make_error("mount of type \"{}\" on {}: only bind and tmpfs mounts are supported", type, destination);
        }
        spec.mounts.push_back(std::move(mount));
    }
    return check_mount_targets(spec.mounts);
}

Result<void> read_namespaces(const Json& linux_section, BundleConfig& config)
{
    auto namespaces = TRY(array_or_null(linux_section, "namespaces"));
    if (!namespaces)
        return {};
    for (const auto& entry : *namespaces) {
        if (!entry.is_object())
            return make_error("linux.namespaces has an entry that is not an object");
        auto type = TRY(required_string(entry, "type"));
        auto path = TRY(string_or_empty(entry, "path"));
        if (type == "network") {
            config.new_network_namespace = path.empty();
            config.network_namespace = path;
            if (!path.empty() && path.front() != '/')
                return make_error("linux.namespaces: network path {} is not absolute", path);
        } else if (type == "pid" || type == "mount" || type == "ipc" || type == "uts" || type == "cgroup") {
            // vmlet always gives these their own; joining another container's is not supported.
            if (!path.empty())
                return make_error("linux.namespaces: joining the {} namespace at {} is not supported", type, path);
        } else {
            return make_error("linux.namespaces: the {} namespace is not supported", type);
        }
    }
    return {};
}

Result<void> read_resources(const Json& linux_section, ResourceLimits& limits)
{
    auto resources = TRY(object_or_null(linux_section, "resources"));
    if (!resources)
        return {};
    for (const char* refused : { "hugepageLimits", "rdma", "unified", "blockIO" })
        if (non_empty(*resources, refused))
            return make_error("linux.resources.{} is not supported", refused);
    if (auto memory = TRY(object_or_null(*resources, "memory")))
        limits.memory_bytes = TRY(limit_field(*memory, "limit", "linux.resources.memory"));
    if (auto pids = TRY(object_or_null(*resources, "pids")))
        limits.pids_max = TRY(limit_field(*pids, "limit", "linux.resources.pids"));
    if (auto cpu = TRY(object_or_null(*resources, "cpu"))) {
        auto quota = TRY(limit_field(*cpu, "quota", "linux.resources.cpu"));
        auto period = TRY(unsigned_field(*cpu, "period", "linux.resources.cpu")).value_or(100'000);
        if (quota && period > 0)
            limits.cpus = static_cast<double>(*quota) / static_cast<double>(period);
    }
    return {};
}

}

Result<BundleProcess> parse_bundle_process(std::string_view json)
{
    auto process = TRY(parse_object(json, "the process"));
    return process_of(process);
}

Result<BundleConfig> parse_bundle_config(std::string_view json, const std::string& bundle)
{
    auto object = TRY(parse_object(json, "config.json"));
    if (deeper_than(object, kMaxDepth))
        return make_error("config.json is nested more than {} levels deep", kMaxDepth);
    auto version = TRY(required_string(object, "ociVersion"));
    if (!version.starts_with("1."))
        return make_error("ociVersion {}: this runtime implements the runtime spec 1.x", version);
    if (non_empty(object, "hooks"))
        return make_error("hooks are not supported");

    BundleConfig config;
    auto& spec = config.spec;
    auto process_json = TRY(object_or_null(object, "process"));
    if (!process_json)
        return make_error("config.json has no process");
    auto process = TRY(process_of(*process_json));
    spec.args = std::move(process.args);
    spec.env = std::move(process.env);
    spec.working_dir = std::move(process.cwd);
    spec.user = std::move(process.user);
    spec.terminal = process.terminal;
    spec.security = std::move(process.security);
    config.rlimits = std::move(process.rlimits);

    auto root = TRY(object_or_null(object, "root"));
    if (!root)
        return make_error("config.json has no root");
    auto root_path = TRY(required_string(*root, "path"));
    spec.rootfs.bundle_root = TRY(absolute_in(root_path, bundle, "root.path"));
    spec.security.read_only_rootfs = TRY(bool_field(*root, "readonly", "root"));
    spec.hostname = TRY(string_or_empty(object, "hostname"));
    TRY(add_mounts(object, bundle, spec));

    auto linux_section = TRY(object_or_null(object, "linux"));
    if (!linux_section)
        return make_error("config.json has no linux_section section: only Linux containers are supported");
    for (const char* refused : { "uidMappings", "gidMappings", "devices", "intelRdt", "personality", "timeOffsets" })
        if (non_empty(*linux_section, refused))
            return make_error("linux.{} is not supported", refused);
    TRY(read_namespaces(*linux_section, config));
    if (auto sysctl = TRY(object_or_null(*linux_section, "sysctl"))) {
        bool own_network = config.new_network_namespace || !config.network_namespace.empty();
        for (const auto& [name, value] : sysctl->items()) {
            if (!value.is_string())
                return make_error("linux.sysctl {} is not a string", name);
            TRY(check_sysctl(name, own_network));
            spec.sysctls.emplace_back(name, value.get<std::string>());
        }
    }
    TRY(read_resources(*linux_section, spec.limits));
    config.cgroups_path = TRY(string_or_empty(*linux_section, "cgroupsPath"));
    // Without linux.seccomp the process runs unfiltered, as runc runs it: the bundle's maker
    // decides (podman and Docker always give their default profile).
    if (auto seccomp = TRY(object_or_null(*linux_section, "seccomp"))) {
        if (non_empty(*seccomp, "listenerPath"))
            return make_error("linux.seccomp.listenerPath is not supported");
        spec.security.seccomp = SeccompMode::Profile;
        spec.security.seccomp_profile = seccomp->dump();
    } else {
        spec.security.seccomp = SeccompMode::Unconfined;
    }

    if (auto annotations = TRY(object_or_null(object, "annotations"))) {
        // "Values MUST be strings" (config.md "Annotations").
        for (const auto& [key, value] : annotations->items()) {
            if (!value.is_string())
                return make_error("annotations: the value of {} is not a string", key);
            config.annotations.emplace(key, value.get<std::string>());
        }
        // An empty value is no choice: the default.
        if (auto isolation = config.annotations.find(std::string(kIsolationAnnotation)); isolation != config.annotations.end() && !isolation->second.empty())
            config.isolation = TRY(parse_isolation(isolation->second));
    }
    return config;
}

}
