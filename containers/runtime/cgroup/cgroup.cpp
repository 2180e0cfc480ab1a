#include "containers/runtime/cgroup/cgroup.h"

#include "vmm/base/file.h"
#include "vmm/base/unique_fd.h"
#include "containers/runtime/cgroup/device_cgroup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <thread>

namespace vmlet {

namespace {

// CFS bandwidth period, as Docker's --cpus (Documentation/scheduler/sched-bwc.rst).
constexpr uint64_t cpu_period_us = 100000;

Result<void> make_directory(const std::string& path)
{
    if (::mkdir(path.c_str(), 0755) < 0 && errno != EEXIST)
        return errno_error(fmt::format("cannot create cgroup {}", path));
    return {};
}

bool uses(const ResourceLimits& limits, std::string_view controller)
{
    if (controller == "memory")
        return limits.memory_bytes.has_value();
    if (controller == "pids")
        return limits.pids_max.has_value();
    return limits.cpus.has_value();
}

bool has_word(std::string_view list, std::string_view word)
{
    size_t start = 0;
    while (start <= list.size()) {
        auto end = list.find_first_of(" \n", start);
        if (end == std::string_view::npos)
            end = list.size();
        if (list.substr(start, end - start) == word)
            return true;
        start = end + 1;
    }
    return false;
}

// cgroup v2 controls a child's controllers from its parent's cgroup.subtree_control. The "no internal
// processes" rule (cgroup-v2.rst) refuses that in a non-root cgroup that holds processes, such as the
// caller's own session scope: then the container goes below the hierarchy's root, as Docker's are.
Result<std::string> v2_parent(const CgroupLayout& layout, const ResourceLimits& limits)
{
    auto base = layout.controllers.front().caller_dir;
    for (;;) {
        auto available = TRY(read_small_file(base + "/cgroup.controllers", 4096));
        bool busy = false;
        for (auto name : cgroup_controller_names) {
            if (!has_word(available, name)) {
                if (uses(limits, name))
                    return make_error("the cgroup v2 controller {} is not available in {}", name, base);
                continue;
            }
            auto enabled = write_cgroup_file(base + "/cgroup.subtree_control", fmt::format("+{}", name));
            busy = !enabled.ok() && enabled.error().code() == EBUSY && base != layout.v2_mount_point;
            if (busy)
                break;
            if (!enabled.ok())
                return enabled.release_error();
        }
        if (!busy)
            return base;
        base = layout.v2_mount_point;
    }
}

// <parent>/vmlet/<id>. Another container's remove() may rmdir an empty vmlet/ between our two mkdirs;
// the leaf's ENOENT then means "make vmlet/ again".
Result<std::string> create_leaf(CgroupVersion version, const std::string& parent, const std::string& id)
{
    auto directory = parent + "/vmlet/" + id;
    for (int attempt = 0;; ++attempt) {
        TRY(make_directory(parent + "/vmlet"));
        if (version == CgroupVersion::V2) {
            auto available = TRY(read_small_file(parent + "/vmlet/cgroup.controllers", 4096));
            for (auto name : cgroup_controller_names) {
                if (has_word(available, name))
                    TRY(write_cgroup_file(parent + "/vmlet/cgroup.subtree_control", fmt::format("+{}", name)));
            }
        }
        if (::mkdir(directory.c_str(), 0755) == 0)
            return directory;
        if (errno != ENOENT || attempt == 3)
            return errno_error(fmt::format("cannot create cgroup {}", directory));
    }
}

}

Result<void> write_cgroup_file(const std::string& path, std::string_view value)
{
    auto what = fmt::format("cannot write \"{}\" to {}", value, path);
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd.valid())
        return errno_error(what);
    ssize_t written = ::write(fd.get(), value.data(), value.size());
    if (written < 0)
        return errno_error(what);
    if (written != static_cast<ssize_t>(value.size()))
        return errno_error(what, EIO);
    return {};
}

std::vector<std::pair<std::string, std::string>> cgroup_limit_files(CgroupVersion version, const ResourceLimits& limits)
{
    std::vector<std::pair<std::string, std::string>> files;
    bool v1 = version == CgroupVersion::V1;
    if (limits.memory_bytes) {
        auto bytes = std::to_string(*limits.memory_bytes);
        files.emplace_back(v1 ? "memory.limit_in_bytes" : "memory.max", bytes);
        // No swap beyond the limit, as Docker's default --memory-swap of twice the limit would allow.
        files.emplace_back(v1 ? "memory.memsw.limit_in_bytes" : "memory.swap.max", v1 ? bytes : "0");
    }
    if (limits.pids_max)
        files.emplace_back("pids.max", std::to_string(*limits.pids_max));
    if (limits.cpus) {
        auto quota = std::max<uint64_t>(1000, static_cast<uint64_t>(std::llround(*limits.cpus * double(cpu_period_us))));
        if (v1) {
            files.emplace_back("cpu.cfs_period_us", std::to_string(cpu_period_us));
            files.emplace_back("cpu.cfs_quota_us", std::to_string(quota));
        } else {
            files.emplace_back("cpu.max", fmt::format("{} {}", quota, cpu_period_us));
        }
    }
    return files;
}

Result<Cgroup> Cgroup::create(const CgroupLayout& layout, const std::string& id, const ResourceLimits& limits,
    DeviceAccess devices)
{
    bool confine_devices = devices == DeviceAccess::Allowlist;
    // The directories, one per hierarchy (v1 may mount several controllers together, "cpu,cpuacct").
    std::vector<std::string> parents;
    if (layout.version == CgroupVersion::V2) {
        parents.push_back(TRY(v2_parent(layout, limits)));
    } else {
        for (auto name : cgroup_controller_names) {
            auto found = std::find_if(layout.controllers.begin(), layout.controllers.end(),
                [&](const CgroupController& controller) { return controller.name == name; });
            if (found == layout.controllers.end() && uses(limits, name))
                return make_error("the cgroup v1 controller {} is not mounted", name);
            if (found != layout.controllers.end()
                && std::find(parents.begin(), parents.end(), found->caller_dir) == parents.end())
                parents.push_back(found->caller_dir);
        }
        // Without the controller, nothing would keep the container's root from the host's disks.
        if (confine_devices && layout.v1_devices_dir.empty())
            return make_error("the cgroup v1 devices controller is not mounted: containers would reach every device of the host");
        if (confine_devices && std::find(parents.begin(), parents.end(), layout.v1_devices_dir) == parents.end())
            parents.push_back(layout.v1_devices_dir);
        // The freezer, for pause and unpause (cgroup_freezer.h); without it only they fail.
        if (!layout.v1_freezer_dir.empty() && std::find(parents.begin(), parents.end(), layout.v1_freezer_dir) == parents.end())
            parents.push_back(layout.v1_freezer_dir);
    }

    Cgroup cgroup({});
    for (const auto& parent : parents)
        cgroup.m_directories.push_back(TRY(create_leaf(layout.version, parent, id)));

    for (const auto& [file, value] : cgroup_limit_files(layout.version, limits)) {
        bool written = false;
        for (const auto& directory : cgroup.m_directories) {
            auto path = directory + "/" + file;
            if (::access(path.c_str(), F_OK) < 0)
                continue;
            TRY(write_cgroup_file(path, value));
            written = true;
        }
        // memory+swap files exist only with swap accounting; the memory limit alone then holds.
        bool optional = file == "memory.memsw.limit_in_bytes" || file == "memory.swap.max";
        if (!written && !optional)
            return make_error("no cgroup of {} has {}", id, file);
    }
    if (confine_devices && layout.version == CgroupVersion::V2)
        TRY(confine_devices_v2(cgroup.m_directories.front(), default_device_rules()));
    else if (confine_devices) {
        // The leaf made below the devices hierarchy's parent: the directories follow the parents.
        auto parent = std::find(parents.begin(), parents.end(), layout.v1_devices_dir) - parents.begin();
        TRY(confine_devices_v1(cgroup.m_directories[static_cast<size_t>(parent)], default_device_rules()));
    }
    return cgroup;
}

Cgroup& Cgroup::operator=(Cgroup&& other) noexcept
{
    if (this != &other) {
        (void)remove();
        m_directories = std::exchange(other.m_directories, {});
    }
    return *this;
}

Cgroup::~Cgroup()
{
    (void)remove();
}

Result<void> Cgroup::add_process(pid_t pid) const
{
    for (const auto& directory : m_directories)
        TRY(write_cgroup_file(directory + "/cgroup.procs", std::to_string(pid)));
    return {};
}

Result<void> Cgroup::remove()
{
    using namespace std::chrono_literals;
    // A killed process leaves its cgroup a moment after waitpid() returns; rmdir says EBUSY until then.
    auto deadline = std::chrono::steady_clock::now() + 2s;
    while (!m_directories.empty()) {
        const auto& directory = m_directories.back();
        if (::rmdir(directory.c_str()) == 0 || errno == ENOENT) {
            // vmlet/ too, once the last container has gone; EBUSY or ENOTEMPTY while others remain.
            auto parent = directory.substr(0, directory.rfind('/'));
            (void)::rmdir(parent.c_str());
            m_directories.pop_back();
            continue;
        }
        if (errno != EBUSY || std::chrono::steady_clock::now() > deadline)
            return errno_error(fmt::format("cannot remove cgroup {}", directory));
        std::this_thread::sleep_for(10ms);
    }
    return {};
}

}
