#include "containers/runtime/container_stats.h"

#include "containers/runtime/container_processes.h"
#include "vmm/base/file.h"

#include <unistd.h>

#include <charconv>
#include <sstream>
#include <thread>

namespace vmlet {

namespace {

std::optional<uint64_t> read_number(const std::string& path)
{
    auto text = read_small_file(path, 4096);
    if (!text.ok())
        return std::nullopt;
    uint64_t value = 0;
    auto [end, error] = std::from_chars(text.value().data(), text.value().data() + text.value().size(), value);
    if (error != std::errc())
        return std::nullopt;
    return value;
}

// The first of the container's cgroup directories that has `file`, read as a number.
std::optional<uint64_t> cgroup_number(const ContainerRecord& record, const char* file)
{
    for (const auto& directory : record.cgroups) {
        if (auto value = read_number(directory + "/" + file))
            return value;
    }
    return std::nullopt;
}

// The CPU time its processes used so far, in nanoseconds: cgroup v2's cpu.stat usage_usec, v1's
// cpuacct.usage where the cpuacct controller is with the others, else the sum of its live
// processes' utime and stime (proc(5)), which leaves out those that have exited: enough for a rate.
uint64_t cpu_nanoseconds(const ContainerRecord& record)
{
    for (const auto& directory : record.cgroups) {
        auto stat = read_small_file(directory + "/cpu.stat", 4096);
        auto at = stat.ok() ? stat.value().find("usage_usec ") : std::string::npos;
        if (at != std::string::npos)
            return std::strtoull(stat.value().c_str() + at + 11, nullptr, 10) * 1000;
    }
    if (auto usage = cgroup_number(record, "cpuacct.usage"))
        return *usage;
    auto procs = read_small_file(record.cgroups.front() + "/cgroup.procs", 1 << 20);
    if (!procs.ok())
        return 0;
    long ticks = ::sysconf(_SC_CLK_TCK);
    uint64_t total_ticks = 0;
    std::istringstream lines(procs.value());
    for (std::string pid; std::getline(lines, pid);) {
        // Each thread's time is in its process's stat: "(comm) " then utime and stime at 12 and 13.
        auto stat = read_small_file("/proc/" + pid + "/stat", 4096);
        auto close = stat.ok() ? stat.value().rfind(')') : std::string::npos;
        if (close == std::string::npos)
            continue;
        std::istringstream fields(stat.value().substr(close + 1));
        std::string field;
        uint64_t utime = 0, stime = 0;
        for (int index = 0; fields >> field && index <= 12; index++) {
            if (index == 11)
                utime = std::strtoull(field.c_str(), nullptr, 10);
            if (index == 12)
                stime = std::strtoull(field.c_str(), nullptr, 10);
        }
        total_ticks += utime + stime;
    }
    return total_ticks * (1000000000ull / static_cast<uint64_t>(ticks > 0 ? ticks : 100));
}

uint64_t host_memory()
{
    auto pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : 0;
}

}

Result<std::vector<ContainerStats>> sample_container_stats(const std::vector<ContainerRecord>& records, std::chrono::milliseconds interval)
{
    std::vector<uint64_t> before;
    for (const auto& record : records) {
        if (record.state != ContainerState::Running || !monitor_alive(record) || record.cgroups.empty())
            return make_error("container {} is not running", record.name);
        before.push_back(cpu_nanoseconds(record));
    }
    auto started = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(interval);
    auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started).count();
    std::vector<ContainerStats> all;
    for (size_t index = 0; index < records.size(); index++) {
        const auto& record = records[index];
        auto after = cpu_nanoseconds(record);
        ContainerStats stats;
        stats.cpu_percent = elapsed > 0 && after > before[index] ? double(after - before[index]) * 100 / double(elapsed) : 0;
        stats.memory_bytes = cgroup_number(record, "memory.usage_in_bytes").value_or(cgroup_number(record, "memory.current").value_or(0));
        // No limit reads as a huge number (v1) or "max", which is no number (v2): the host's memory then.
        auto limit = cgroup_number(record, "memory.limit_in_bytes").value_or(cgroup_number(record, "memory.max").value_or(UINT64_MAX));
        stats.memory_limit = std::min(limit, host_memory());
        // A VM's cgroup holds its monitor's threads: the container's processes are its guest's.
        if (record.isolation == Isolation::Vm) {
            auto processes = container_processes(record);
            stats.pids = processes.ok() ? processes.value().size() : 0;
        } else {
            stats.pids = cgroup_number(record, "pids.current").value_or(0);
        }
        all.push_back(stats);
    }
    return all;
}

}
