#include "containers/runtime/process/masked_paths.h"

#include <glob.h>
#include <sys/mount.h>
#include <sys/stat.h>

namespace vmlet {

namespace {

// Where the container's path is on the host while the container is being set up.
std::string inside(const std::string& path, const std::string& proc, const std::string& sys)
{
    if (path.starts_with("/proc/"))
        return proc + path.substr(5);
    return sys + path.substr(4);
}

// The masked paths, with the per-CPU thermal_throttle directories this host has.
std::vector<std::string> masked_paths()
{
    std::vector<std::string> paths { "/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys",
        "/proc/latency_stats", "/proc/sched_debug", "/proc/scsi", "/proc/timer_list", "/proc/timer_stats",
        "/sys/devices/virtual/powercap", "/sys/firmware" };
    // Each CPU's thermal throttling counters (moby's GHSA-6fw5-f8r9-fgfm).
    glob_t found {};
    if (::glob("/sys/devices/system/cpu/cpu[0-9]*/thermal_throttle", GLOB_ONLYDIR | GLOB_NOSORT, nullptr, &found) == 0) {
        for (size_t index = 0; index < found.gl_pathc; ++index)
            paths.emplace_back(found.gl_pathv[index]);
    }
    ::globfree(&found);
    return paths;
}

const std::vector<std::string>& readonly_paths()
{
    static const std::vector<std::string> paths { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger" };
    return paths;
}

}

std::vector<InitStep> path_protection_steps(const std::string& proc, const std::string& sys)
{
    std::vector<InitStep> steps;
    for (const auto& path : masked_paths()) {
        struct stat host {};
        if (::stat(path.c_str(), &host) < 0)
            continue;
        auto target = inside(path, proc, sys);
        auto step = S_ISDIR(host.st_mode)
            ? mount_step("tmpfs", target, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0", "mask " + path)
            : mount_step("/dev/null", target, "", MS_BIND, "", "mask " + path);
        // The container's own sysfs may lack what the host's shows.
        step.optional = true;
        steps.push_back(std::move(step));
    }
    for (const auto& path : readonly_paths()) {
        auto target = inside(path, proc, sys);
        auto step = simple_step(InitStep::Kind::BindReadOnly, target, target, "make " + path + " read-only");
        step.flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
        step.optional = true;
        steps.push_back(std::move(step));
    }
    return steps;
}

}
