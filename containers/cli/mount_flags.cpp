#include "containers/cli/mount_flags.h"

#include "containers/cli/human_units.h"
#include "containers/runtime/volume/volume_store.h"
#include "vmm/base/text.h"

#include <algorithm>
#include <charconv>
#include <set>

namespace vmlet {

namespace {

Result<uint32_t> parse_mode(std::string_view flag, std::string_view text)
{
    uint32_t mode = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), mode, 8);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || mode > 07777)
        return make_error("{}: mode '{}' is not an octal file mode", flag, text);
    return mode;
}

// The source's kind, from how it is written (Docker: a name is a volume, a path is a bind).
MountSpec::Kind kind_of_source(std::string_view source)
{
    return source.starts_with('/') || source.starts_with('.') ? MountSpec::Kind::Bind : MountSpec::Kind::Volume;
}

Result<void> check_source(std::string_view flag, const MountSpec& mount)
{
    if (mount.kind == MountSpec::Kind::Volume && !mount.source.empty() && !valid_volume_name(mount.source))
        return make_error("{}: '{}' is not a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]*) nor a host path (starting with / or .)", flag, mount.source);
    return {};
}

}

Result<MountSpec> parse_volume_flag(std::string_view text)
{
    auto parts = split(text, ':');
    if (parts.size() > 3 || std::ranges::any_of(parts, [](std::string_view part) { return part.empty(); }))
        return make_error("-v: '{}' is not SOURCE:TARGET[:OPTIONS] or TARGET", text);
    MountSpec mount;
    if (parts.size() == 1) {
        mount.kind = MountSpec::Kind::Volume; // anonymous: its name is made up when it is made
        mount.target = std::string(parts[0]);
    } else {
        mount.source = std::string(parts[0]);
        mount.kind = kind_of_source(mount.source);
        mount.target = std::string(parts[1]);
    }
    if (parts.size() == 3) {
        for (auto option : split(parts[2], ',')) {
            if (option == "ro")
                mount.read_only = true;
            else if (option != "rw" && option != "z" && option != "Z")
                return make_error("-v: unknown option '{}' in '{}' (ro, rw are known)", option, text);
        }
    }
    TRY(check_source("-v", mount));
    return mount;
}

Result<MountSpec> parse_mount_flag(std::string_view text)
{
    MountSpec mount;
    std::optional<std::string_view> type;
    for (auto field : split(text, ',')) {
        auto equals = field.find('=');
        auto key = field.substr(0, equals);
        auto value = equals == std::string_view::npos ? std::string_view() : field.substr(equals + 1);
        if (key == "type")
            type = value;
        else if (key == "source" || key == "src")
            mount.source = std::string(value);
        else if (key == "target" || key == "destination" || key == "dst")
            mount.target = std::string(value);
        else if (key == "readonly" || key == "ro") {
            if (equals != std::string_view::npos && value != "true" && value != "1" && value != "false" && value != "0")
                return make_error("--mount: readonly takes true or false, not '{}'", value);
            mount.read_only = equals == std::string_view::npos || value == "true" || value == "1";
        } else if (key == "tmpfs-size")
            mount.tmpfs_size = TRY_CONTEXT(parse_byte_size(value), "--mount tmpfs-size");
        else if (key == "tmpfs-mode")
            mount.tmpfs_mode = TRY(parse_mode("--mount tmpfs-mode", value));
        else if (key == "volume-nocopy" || key == "bind-propagation" || key == "consistency")
            continue; // Docker's; a volume is never filled from the image here, and binds are private
        else
            return make_error("--mount: unknown field '{}' in '{}'", key, text);
    }
    if (!type)
        return make_error("--mount: '{}' has no type= (bind, volume or tmpfs)", text);
    if (*type == "bind")
        mount.kind = MountSpec::Kind::Bind;
    else if (*type == "volume")
        mount.kind = MountSpec::Kind::Volume;
    else if (*type == "tmpfs")
        mount.kind = MountSpec::Kind::Tmpfs;
    else
        return make_error("--mount: unknown type '{}' (bind, volume or tmpfs)", *type);
    if (mount.target.empty())
        return make_error("--mount: '{}' has no target=", text);
    if (mount.kind == MountSpec::Kind::Bind && mount.source.empty())
        return make_error("--mount: a bind needs source=, the host path");
    if (mount.kind == MountSpec::Kind::Tmpfs && !mount.source.empty())
        return make_error("--mount: a tmpfs has no source");
    if (mount.kind != MountSpec::Kind::Tmpfs && (mount.tmpfs_size || mount.tmpfs_mode))
        return make_error("--mount: tmpfs-size and tmpfs-mode are for type=tmpfs");
    TRY(check_source("--mount", mount));
    return mount;
}

Result<MountSpec> parse_tmpfs_flag(std::string_view text)
{
    auto colon = text.find(':');
    MountSpec mount { .kind = MountSpec::Kind::Tmpfs, .source = {}, .host_path = {}, .target = std::string(text.substr(0, colon)),
        .read_only = false, .tmpfs_size = {}, .tmpfs_mode = {} };
    if (colon != std::string_view::npos) {
        for (auto option : split(text.substr(colon + 1), ',')) {
            if (option.starts_with("size="))
                mount.tmpfs_size = TRY_CONTEXT(parse_byte_size(option.substr(5)), "--tmpfs size");
            else if (option.starts_with("mode="))
                mount.tmpfs_mode = TRY(parse_mode("--tmpfs", option.substr(5)));
            else if (option == "ro" || option == "rw")
                mount.read_only = option == "ro";
            else
                return make_error("--tmpfs: unknown option '{}' in '{}' (size=, mode=, ro, rw are known)", option, text);
        }
    }
    return mount;
}

Result<void> normalize_mount_targets(std::vector<MountSpec>& mounts)
{
    std::set<std::string> seen;
    for (auto& mount : mounts) {
        auto& target = mount.target;
        while (target.size() > 1 && target.ends_with('/'))
            target.pop_back();
        if (!target.starts_with('/'))
            return make_error("mount target '{}' is not an absolute path", target);
        if (target == "/")
            return make_error("mount target '/' is the container's root: it cannot be replaced");
        if (target.find('\0') != std::string::npos || std::ranges::any_of(split(target.substr(1), '/'), [](std::string_view part) { return part.empty() || part == "." || part == ".."; }))
            return make_error("mount target '{}' is not a plain path (no empty, '.' or '..' parts)", target);
        if (!seen.insert(target).second)
            return make_error("duplicate mount point: {}", target);
    }
    return {};
}

}
