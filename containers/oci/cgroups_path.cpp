#include "containers/oci/cgroups_path.h"

#include "containers/runtime/cgroup/cgroup.h"
#include "vmm/base/file.h"
#include "vmm/base/text.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>

#include <fmt/ranges.h>

namespace vmlet::oci {

namespace {

constexpr std::array kJoined { "memory", "pids", "cpu", "cpuacct", "devices", "freezer", "blkio" };
constexpr size_t kMaxProcFile = 1 << 20;

// "system.slice:libpod:ID" -> "system.slice/libpod-ID.scope" (runc's systemd driver's name).
Result<std::string> systemd_path(std::string_view path)
{
    auto parts = split(path, ':');
    if (parts.size() != 3 || parts[0].empty() || parts[2].empty())
        return make_error("linux.cgroupsPath {} is not systemd's SLICE:PREFIX:NAME", path);
    return fmt::format("/{}/{}{}{}.scope", parts[0], parts[1], parts[1].empty() ? "" : "-", parts[2]);
}

bool plain(std::string_view path)
{
    for (auto part : split(path, '/'))
        if (part == ".." || part == ".")
            return false;
    return true;
}

}

Result<void> join_cgroups_path(std::string_view given, bool systemd, const std::string& record)
{
    std::vector<std::string> joined;
    if (given.empty())
        return replace_file(record, "");
    auto path = systemd ? TRY(systemd_path(given)) : std::string(given);
    if (!plain(path))
        return make_error("linux.cgroupsPath {} has '.' or '..' parts", given);
    auto mountinfo = TRY(read_small_file("/proc/self/mountinfo", kMaxProcFile));
    auto own = TRY(read_small_file("/proc/self/cgroup", kMaxProcFile));
    for (auto line : split(mountinfo, '\n')) {
        // proc(5): ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS
        auto fields = split(line, ' ');
        auto dash = std::find(fields.begin(), fields.end(), "-");
        if (fields.size() < 5 || fields.end() - dash < 4 || *(dash + 1) != "cgroup")
            continue;
        auto controllers = split(*(dash + 3), ',');
        auto has = [&](std::string_view name) { return std::find(controllers.begin(), controllers.end(), name) != controllers.end(); };
        auto used = std::find_if(kJoined.begin(), kJoined.end(), has);
        if (used == kJoined.end())
            continue;
        std::string mount_point(fields[4]);
        // This process's place in the hierarchy: /proc/self/cgroup's "ID:CONTROLLERS:PATH" line that names it.
        std::string here;
        for (auto entry : split(own, '\n')) {
            auto first = entry.find(':'), second = entry.find(':', first + 1);
            if (first == std::string_view::npos || second == std::string_view::npos)
                continue;
            auto names = split(entry.substr(first + 1, second - first - 1), ',');
            if (std::find(names.begin(), names.end(), std::string_view(*used)) != names.end())
                here = std::string(entry.substr(second + 1));
        }
        auto directory = mount_point + (path.front() == '/' ? path : (here == "/" ? "" : here) + "/" + path);
        std::error_code error;
        std::filesystem::create_directories(directory, error);
        if (error)
            return make_error("cannot create cgroup {}: {}", directory, error.message());
        TRY(write_cgroup_file(directory + "/cgroup.procs", fmt::format("{}", ::getpid())));
        if (std::find(joined.begin(), joined.end(), directory) == joined.end())
            joined.push_back(directory);
    }
    return replace_file(record, fmt::format("{}", fmt::join(joined, "\n")));
}

std::string recorded_cgroups_path(const std::string& record)
{
    auto listed = read_small_file(record, kMaxProcFile);
    return listed.ok() ? listed.release_value() : std::string();
}

void remove_cgroups_path(std::string_view listed, const std::string& sandbox_id)
{
    for (auto line : split(listed, '\n')) {
        if (line.empty())
            continue;
        std::string directory(line);
        ::rmdir((directory + "/vmlet/" + sandbox_id).c_str());
        ::rmdir((directory + "/vmlet").c_str());
        ::rmdir(directory.c_str());
    }
}

}
