#include "containers/runtime/cgroup/cgroup_layout.h"

#include "vmm/base/file.h"
#include "vmm/base/text.h"

#include <algorithm>
#include <optional>

namespace vmlet {

namespace {

bool has_token(std::string_view list, std::string_view token)
{
    auto tokens = split(list, ',');
    return std::find(tokens.begin(), tokens.end(), token) != tokens.end();
}

// mountinfo escapes space, tab, newline and backslash as \ooo (proc(5)).
std::string unescape(std::string_view field)
{
    std::string out;
    for (size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size()) {
            out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0'));
            i += 3;
        } else {
            out += field[i];
        }
    }
    return out;
}

struct CgroupMount {
    std::string root;        // the part of the hierarchy the mount shows
    std::string mount_point;
    bool v2 { false };
    std::string super_options;
};

std::vector<CgroupMount> cgroup_mounts(std::string_view mountinfo)
{
    std::vector<CgroupMount> mounts;
    for (auto line : split(mountinfo, '\n')) {
        auto fields = split(line, ' ');
        auto dash = std::find(fields.begin(), fields.end(), "-");
        if (fields.size() < 5 || dash == fields.end() || fields.end() - dash < 4)
            continue;
        auto type = *(dash + 1);
        if (type != "cgroup" && type != "cgroup2")
            continue;
        mounts.push_back({ .root = unescape(fields[3]), .mount_point = unescape(fields[4]), .v2 = type == "cgroup2",
            .super_options = std::string(*(dash + 3)) });
    }
    return mounts;
}

// The caller's path in the hierarchy whose /proc/self/cgroup controller list is accepted by `pick`.
template<typename Pick>
std::optional<std::string> caller_path(std::string_view proc_self_cgroup, Pick pick)
{
    for (auto line : split(proc_self_cgroup, '\n')) {
        auto first = line.find(':');
        auto second = line.find(':', first + 1);
        if (first == std::string_view::npos || second == std::string_view::npos)
            continue;
        if (pick(line.substr(first + 1, second - first - 1)))
            return std::string(line.substr(second + 1));
    }
    return std::nullopt;
}

// The caller's cgroup as a directory under the mount, which may show only a subtree (mountinfo's root).
std::string directory(const CgroupMount& mount, const std::string& path)
{
    std::string relative = path;
    if (mount.root != "/") {
        bool inside = path == mount.root || path.starts_with(mount.root + "/");
        relative = inside ? path.substr(mount.root.size()) : "";
    }
    if (relative == "/")
        relative.clear();
    return mount.mount_point + relative;
}

}

Result<CgroupLayout> find_cgroup_layout(std::string_view mountinfo, std::string_view proc_self_cgroup)
{
    auto mounts = cgroup_mounts(mountinfo);
    // The caller's directory in the v1 hierarchy of controller `name`; empty when none is mounted.
    auto v1_directory = [&](std::string_view name) -> Result<std::string> {
        auto mount = std::find_if(mounts.begin(), mounts.end(),
            [&](const CgroupMount& candidate) { return !candidate.v2 && has_token(candidate.super_options, name); });
        if (mount == mounts.end())
            return std::string();
        auto path = caller_path(proc_self_cgroup, [&](std::string_view list) { return has_token(list, name); });
        if (!path)
            return make_error("/proc/self/cgroup has no line for the cgroup v1 controller {}", name);
        return directory(*mount, *path);
    };
    CgroupLayout layout;
    for (auto name : cgroup_controller_names) {
        auto found = TRY(v1_directory(name));
        if (!found.empty())
            layout.controllers.push_back({ .name = std::string(name), .caller_dir = std::move(found) });
    }
    if (!layout.controllers.empty()) {
        layout.v1_devices_dir = TRY(v1_directory("devices"));
        layout.v1_freezer_dir = TRY(v1_directory("freezer"));
        return layout;
    }

    auto unified = std::find_if(mounts.begin(), mounts.end(), [](const CgroupMount& mount) { return mount.v2; });
    if (unified == mounts.end())
        return make_error("no cgroup hierarchy is mounted (neither cgroup v1 controllers nor cgroup2)");
    auto path = caller_path(proc_self_cgroup, [](std::string_view list) { return list.empty(); });
    if (!path)
        return make_error("/proc/self/cgroup has no cgroup v2 line (0::PATH)");
    layout.version = CgroupVersion::V2;
    layout.v2_mount_point = unified->mount_point;
    for (auto name : cgroup_controller_names)
        layout.controllers.push_back({ .name = std::string(name), .caller_dir = directory(*unified, *path) });
    return layout;
}

Result<CgroupLayout> find_cgroup_layout()
{
    auto mountinfo = TRY(read_small_file("/proc/self/mountinfo", 1 << 22));
    auto cgroups = TRY(read_small_file("/proc/self/cgroup", 1 << 16));
    return find_cgroup_layout(mountinfo, cgroups);
}

}
