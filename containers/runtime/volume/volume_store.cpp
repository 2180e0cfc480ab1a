#include "containers/runtime/volume/volume_store.h"

#include "containers/image/json_fields.h"
#include "containers/runtime/container_store.h"
#include "vmm/base/file.h"
#include "vmm/base/random_hex.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

namespace vmlet {

namespace fs = std::filesystem;
using namespace image::json_fields;

namespace {

constexpr const char* kRecordFile = "volume.json";
constexpr const char* kDataDirectory = "_data";
constexpr size_t kMaxRecord = 64 * 1024;

bool name_character(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

}

bool valid_volume_name(std::string_view name)
{
    if (name.empty() || name.size() > 255 || !std::isalnum(static_cast<unsigned char>(name.front())))
        return false;
    return std::ranges::all_of(name, name_character);
}

Result<VolumeStore> VolumeStore::open(const std::string& root)
{
    auto directory = root + "/volumes";
    if (::mkdir(directory.c_str(), 0700) < 0 && errno != EEXIST)
        return errno_error(fmt::format("cannot create {}", directory));
    return VolumeStore(directory);
}

Result<UniqueFd> VolumeStore::lock() const
{
    return std::move(*TRY(lock_file(m_directory + "/lock")));
}

Result<Volume> VolumeStore::read(std::string_view name) const
{
    auto directory = fmt::format("{}/{}", m_directory, name);
    auto text = read_small_file(directory + "/" + kRecordFile, kMaxRecord);
    if (!text.ok())
        return make_error("no such volume: {}", name);
    auto object = TRY(parse_object(text.value(), "the volume record"));
    Volume volume;
    volume.name = TRY(required_string(object, "name"));
    volume.created = TRY(string_or_empty(object, "created"));
    volume.anonymous = object.value("anonymous", false);
    volume.mountpoint = directory + "/" + kDataDirectory;
    if (volume.name != name)
        return make_error("the record of volume {} names {}", name, volume.name);
    return volume;
}

Result<Volume> VolumeStore::find(std::string_view name) const
{
    if (!valid_volume_name(name))
        return make_error("no such volume: {}", name);
    return read(name);
}

Result<Volume> VolumeStore::ensure(std::string_view name) const
{
    Volume volume { .name = name.empty() ? random_hex(32) : std::string(name), .created = now_rfc3339(), .anonymous = name.empty(), .mountpoint = {} };
    if (!valid_volume_name(volume.name))
        return make_error("'{}' is not a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)", volume.name);
    auto directory = m_directory + "/" + volume.name;
    if (::mkdir(directory.c_str(), 0700) < 0) {
        if (errno != EEXIST)
            return errno_error(fmt::format("cannot create volume {}", volume.name));
        // Under the lock: one without its record is what a vmlet killed while making it left.
        auto existing = read(volume.name);
        if (existing.ok())
            return existing;
    }
    volume.mountpoint = directory + "/" + kDataDirectory;
    // The data's root is the containers' to use as they like, as Docker's _data (root, 0755).
    Json record { { "name", volume.name }, { "created", volume.created }, { "anonymous", volume.anonymous } };
    auto made = [&]() -> Result<void> {
        if (::mkdir(volume.mountpoint.c_str(), 0755) < 0 && errno != EEXIST)
            return errno_error(fmt::format("cannot create {}", volume.mountpoint));
        return replace_file(directory + "/" + kRecordFile, record.dump(2));
    }();
    if (!made.ok()) {
        std::error_code ignored;
        fs::remove_all(directory, ignored);
        return made.release_error();
    }
    return volume;
}

Result<std::vector<Volume>> VolumeStore::list() const
{
    std::vector<Volume> volumes;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(m_directory, error)) {
        auto name = entry.path().filename().string();
        if (!entry.is_directory() || !valid_volume_name(name))
            continue;
        auto volume = read(name);
        if (volume.ok()) // one being made or removed right now
            volumes.push_back(volume.release_value());
    }
    if (error)
        return make_error("cannot list {}: {}", m_directory, error.message());
    std::ranges::sort(volumes, {}, &Volume::name);
    return volumes;
}

Result<void> VolumeStore::remove(std::string_view name, const std::function<std::string(const std::string& volume)>& in_use) const
{
    auto volume = TRY(find(name));
    auto user = in_use(volume.name);
    if (!user.empty())
        return make_error("volume {} is in use by container {}", volume.name, user);
    std::error_code error;
    fs::remove_all(m_directory + "/" + volume.name, error);
    if (error)
        return make_error("cannot remove volume {}: {}", volume.name, error.message());
    return {};
}

Result<void> remove_anonymous_volumes(const std::string& root, const std::vector<MountSpec>& mounts)
{
    auto store = TRY(VolumeStore::open(root));
    auto lock = TRY(store.lock());
    for (const auto& mount : mounts) {
        if (mount.kind != MountSpec::Kind::Volume)
            continue;
        auto volume = store.find(mount.source);
        if (volume.ok() && volume.value().anonymous)
            TRY(store.remove(mount.source, [](const std::string&) { return std::string(); }));
    }
    return {};
}

}
