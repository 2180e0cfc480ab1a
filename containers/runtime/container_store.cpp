#include "containers/runtime/container_store.h"
#include "vmm/base/random_hex.h"
#include "containers/runtime/network/network_store.h"

#include "vmm/base/file.h"
#include "containers/image/json_fields.h"
#include "containers/runtime/container_config_json.h"
#include "containers/runtime/volume/volume_store.h"
#include "containers/image/store.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <ctime>
#include <filesystem>

namespace vmlet {

using namespace image::json_fields;
namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxRecord = 1 << 20;

// A name as docker makes one (adjective_noun), when the user gave none.
std::string generated_name()
{
    static constexpr std::array<const char*, 16> adjectives { "brave", "calm", "eager", "fond", "keen", "lucid", "merry", "nimble",
        "plucky", "quiet", "sharp", "sleepy", "sunny", "tidy", "vivid", "witty" };
    static constexpr std::array<const char*, 16> nouns { "otter", "heron", "lynx", "marten", "osprey", "badger", "ibis", "gecko",
        "kestrel", "newt", "okapi", "puffin", "quokka", "tapir", "vole", "wren" };
    auto hex = random_hex(2);
    auto a = std::stoul(hex.substr(0, 2), nullptr, 16), b = std::stoul(hex.substr(2, 2), nullptr, 16);
    return fmt::format("{}_{}_{}", adjectives[a % adjectives.size()], nouns[b % nouns.size()], hex);
}

// docker's name rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+
bool valid_name(std::string_view name)
{
    if (name.size() < 2 || name.size() > 128 || !std::isalnum(static_cast<unsigned char>(name.front())))
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-'; });
}

Json record_json(const ContainerRecord& record)
{
    Json json {
        { "id", record.id }, { "name", record.name }, { "image_id", record.image_id }, { "image_name", record.image_name },
        { "isolation", std::string(isolation_name(record.isolation)) }, { "command", record.command }, { "env", record.env }, { "working_dir", record.working_dir },
        { "user", record.user }, { "created", record.created }, { "container_pid", record.container_pid }, { "cgroups", record.cgroups },
        { "agent_socket", record.agent_socket }, { "network", record.network },
        { "state", std::string(state_name(record.state)) }, { "monitor_pid", record.monitor_pid }, { "started", record.started },
        { "finished", record.finished }, { "exit_code", record.exit_code }, { "auto_remove", record.auto_remove },
        { "security", security_json(record.security) }, { "mounts", mounts_json(record.mounts) }, { "restart_count", record.restart_count },
    };
    if (!record.bundle.empty())
        json["bundle"] = record.bundle;
    if (!record.bundle_root.empty())
        json["bundle_root"] = record.bundle_root;
    if (!record.annotations.empty())
        json["annotations"] = record.annotations;
    if (record.config)
        json["config"] = config_json(*record.config);
    return json;
}

Result<ContainerRecord> parse_record(std::string_view text)
{
    auto object = TRY(parse_object(text, "the container record"));
    ContainerRecord record;
    record.id = TRY(required_string(object, "id"));
    record.name = TRY(required_string(object, "name"));
    record.image_id = TRY(string_or_empty(object, "image_id"));
    record.image_name = TRY(string_or_empty(object, "image_name"));
    auto isolation = TRY(required_string(object, "isolation"));
    record.isolation = TRY(parse_isolation(isolation));
    record.command = TRY(strings_or_empty(object, "command"));
    record.env = TRY(strings_or_empty(object, "env"));
    record.working_dir = TRY(string_or_empty(object, "working_dir"));
    record.user = TRY(string_or_empty(object, "user"));
    record.cgroups = TRY(strings_or_empty(object, "cgroups"));
    record.agent_socket = TRY(string_or_empty(object, "agent_socket"));
    record.network = TRY(string_or_empty(object, "network"));
    record.created = TRY(string_or_empty(object, "created"));
    auto state = TRY(string_or_empty(object, "state"));
    record.state = state == "running" ? ContainerState::Running : state == "exited" ? ContainerState::Exited : ContainerState::Created;
    record.started = TRY(string_or_empty(object, "started"));
    record.finished = TRY(string_or_empty(object, "finished"));
    if (object.contains("monitor_pid") && object["monitor_pid"].is_number_integer())
        record.monitor_pid = object["monitor_pid"].get<pid_t>();
    if (object.contains("container_pid") && object["container_pid"].is_number_integer())
        record.container_pid = object["container_pid"].get<pid_t>();
    if (object.contains("exit_code") && object["exit_code"].is_number_integer())
        record.exit_code = object["exit_code"].get<int>();
    record.auto_remove = object.value("auto_remove", false);
    record.security = TRY(parse_security(object));
    record.mounts = TRY(parse_mounts(object));
    if (object.contains("restart_count") && object["restart_count"].is_number_unsigned())
        record.restart_count = object["restart_count"].get<unsigned>();
    record.bundle = TRY(string_or_empty(object, "bundle"));
    record.bundle_root = TRY(string_or_empty(object, "bundle_root"));
    if (auto annotations = TRY(object_or_null(object, "annotations"))) {
        for (const auto& [key, value] : annotations->items()) {
            if (!value.is_string())
                return make_error("the container record's annotation {} is not a string", key);
            record.annotations.emplace(key, value.get<std::string>());
        }
    }
    if (auto config = TRY(object_or_null(object, "config")))
        record.config = TRY(parse_config(*config));
    return record;
}

}

std::string_view state_name(ContainerState state)
{
    switch (state) {
    case ContainerState::Created:
        return "created";
    case ContainerState::Running:
        return "running";
    case ContainerState::Exited:
        return "exited";
    }
    return "unknown";
}

std::string now_rfc3339()
{
    std::time_t now = std::time(nullptr);
    std::tm parts {};
    ::gmtime_r(&now, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text;
}

bool monitor_alive(const ContainerRecord& record)
{
    if (record.monitor_pid <= 0 || (::kill(record.monitor_pid, 0) < 0 && errno != EPERM))
        return false;
    // A zombie (its parent has not reaped it yet) is dead too: proc(5), the state after "(comm) ".
    auto stat = read_small_file(fmt::format("/proc/{}/stat", record.monitor_pid), 4096);
    auto state = stat.ok() ? stat.value().rfind(") ") : std::string::npos;
    return state == std::string::npos || stat.value().compare(state + 2, 1, "Z") != 0;
}

Result<ContainerStore> ContainerStore::open(const std::string& root)
{
    TRY(image::Store::make_private_root(root));
    for (const char* sub : { "containers", "names" }) {
        std::error_code error;
        fs::create_directories(root + "/" + sub, error);
        if (error)
            return make_error("cannot create {}/{}: {}", root, sub, error.message());
    }
    return ContainerStore(fs::absolute(root).lexically_normal().string());
}

std::string ContainerStore::directory(const std::string& id) const
{
    return m_root + "/containers/" + id;
}

Result<void> ContainerStore::reserve_name(const std::string& name, const std::string& id) const
{
    auto path = m_root + "/names/" + name;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno == EEXIST)
        return make_error("the container name '{}' is already in use", name);
    if (fd < 0)
        return errno_error(fmt::format("cannot reserve the name {}", name));
    UniqueFd owned(fd);
    return write_all(fd, std::span(reinterpret_cast<const uint8_t*>(id.data()), id.size()));
}

Result<ContainerRecord> ContainerStore::create(ContainerRecord record)
{
    if (!record.name.empty() && !valid_name(record.name))
        return make_error("invalid container name '{}': use letters, digits, '_', '.' and '-', starting with a letter or digit", record.name);
    record.id = random_hex(32);
    if (record.name.empty())
        record.name = generated_name();
    TRY(reserve_name(record.name, record.id));
    std::error_code error;
    fs::create_directory(directory(record.id), error);
    auto saved = error ? Result<void>(make_error("cannot create {}: {}", directory(record.id), error.message())) : save(record);
    if (!saved.ok()) {
        ::unlink((m_root + "/names/" + record.name).c_str());
        fs::remove_all(directory(record.id), error);
        return saved.release_error();
    }
    return record;
}

Result<ContainerRecord> ContainerStore::stored(const std::string& id) const
{
    auto path = directory(id) + "/container.json";
    auto text = TRY(read_small_file(path, kMaxRecord));
    return TRY_CONTEXT(parse_record(text), path);
}

std::string ContainerStore::stored_name(const std::string& id, const std::string& fallback) const
{
    auto record = stored(id);
    return record.ok() ? record.value().name : fallback;
}

Result<void> ContainerStore::save(const ContainerRecord& record) const
{
    // Read, then written: one at a time with rename().
    auto lock = TRY(lock_file(directory(record.id) + "/record.lock"));
    auto json = record_json(record);
    json["name"] = stored_name(record.id, record.name);
    return replace_file(directory(record.id) + "/container.json", json.dump(2));
}

Result<void> ContainerStore::rename(const ContainerRecord& record, const std::string& new_name) const
{
    if (!valid_name(new_name))
        return make_error("invalid container name '{}': use letters, digits, '_', '.' and '-', starting with a letter or digit", new_name);
    auto old_name = stored_name(record.id, record.name);
    if (new_name == old_name)
        return make_error("container {} is already named {}", old_name, new_name);
    TRY(reserve_name(new_name, record.id));
    auto saved = [&]() -> Result<void> {
        auto lock = TRY(lock_file(directory(record.id) + "/record.lock"));
        auto json = record_json(TRY(stored(record.id)));
        json["name"] = new_name;
        return replace_file(directory(record.id) + "/container.json", json.dump(2));
    }();
    if (!saved.ok()) {
        ::unlink((m_root + "/names/" + new_name).c_str());
        return saved;
    }
    if (::unlink((m_root + "/names/" + old_name).c_str()) < 0 && errno != ENOENT)
        return errno_error(fmt::format("cannot release the name {}", old_name));
    return {};
}

Result<ContainerRecord> ContainerStore::read(const std::string& id) const
{
    auto record = TRY(stored(id));
    if (record.state == ContainerState::Running && !monitor_alive(record)) {
        record.state = ContainerState::Exited;
        record.exit_code = 137;
        record.abandoned = true;
    }
    return record;
}

Result<std::vector<ContainerRecord>> ContainerStore::all() const
{
    std::vector<ContainerRecord> records;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(m_root + "/containers", error)) {
        auto record = read(entry.path().filename().string());
        // A directory without a record is a container being created or removed right now.
        if (record.ok())
            records.push_back(record.release_value());
    }
    return records;
}

Result<ContainerRecord> ContainerStore::find(std::string_view name_or_id) const
{
    if (valid_name(name_or_id)) {
        auto id = read_small_file(m_root + "/names/" + std::string(name_or_id), 128);
        if (id.ok() && !id.value().empty())
            return read(id.value());
    }
    std::vector<ContainerRecord> matches;
    if (name_or_id.size() >= 4 && name_or_id.find_first_not_of("0123456789abcdef") == std::string_view::npos) {
        for (auto& record : TRY(all())) {
            if (record.id.starts_with(name_or_id))
                matches.push_back(std::move(record));
        }
    }
    if (matches.size() > 1)
        return make_error("container id prefix '{}' is ambiguous", name_or_id);
    if (matches.empty())
        return make_error("no such container: {}", name_or_id);
    return matches.front();
}

Result<void> ContainerStore::remove(const ContainerRecord& record, bool anonymous_volumes) const
{
    auto name = stored_name(record.id, record.name);
    // A process container's root may still be mounted there when its monitor was killed (an OCI
    // bundle's root, bound): unmounted, and the removal never crosses into a mount in any case.
    auto rootfs = directory(record.id) + "/rootfs";
    if (::umount2(rootfs.c_str(), MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
        return errno_error(fmt::format("cannot unmount {}", rootfs));
    TRY_CONTEXT(remove_tree_on_one_file_system(directory(record.id)), fmt::format("container {}", name));
    if (::unlink((m_root + "/names/" + name).c_str()) < 0 && errno != ENOENT)
        return errno_error(fmt::format("cannot release the name {}", name));
    // --rm and rm -v take its anonymous volumes with it, as Docker's do; named ones are kept.
    if (record.auto_remove || anonymous_volumes)
        TRY(remove_anonymous_volumes(m_root, record.mounts));
    // Its addresses go with it (its links went with its network namespace or VM).
    auto networks = TRY(NetworkStore::open(m_root));
    auto lock = TRY(networks.lock());
    return networks.detach_everywhere(record.id);
}

bool container_gone(const ContainerStore& store, const std::string& id)
{
    auto record = store.find(id);
    return !record.ok() || record.value().state == ContainerState::Exited;
}

}
