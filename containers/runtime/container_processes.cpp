#include "containers/runtime/container_processes.h"

#include "containers/runtime/vm/vm_tools.h"
#include "vmm/base/file.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <sstream>

namespace vmlet {

namespace {

constexpr size_t kMaxProcFile = 64 * 1024;
// A VM's process list: its files are at most VMLET_AGENT_MAX_PROC_FILE each, and a container
// with more than this has more than `top` is for.
constexpr size_t kMaxGuestList = 32 << 20;

// /proc/uptime's first field: seconds since boot, to turn a start time in ticks into a clock time.
double uptime_seconds()
{
    auto text = read_small_file("/proc/uptime", 256);
    return text.ok() ? std::atof(text.value().c_str()) : 0;
}

long ticks_per_second()
{
    long ticks = ::sysconf(_SC_CLK_TCK);
    return ticks > 0 ? ticks : 100;
}

Result<std::vector<ContainerProcess>> host_processes(const ContainerRecord& record)
{
    // Every hierarchy's cgroup holds the same processes: the first one says which.
    auto procs = TRY(read_small_file(record.cgroups.front() + "/cgroup.procs", 1 << 20));
    ProcClock clock { .ticks_per_second = ticks_per_second(), .uptime = uptime_seconds(), .now = std::time(nullptr) };
    std::vector<ContainerProcess> processes;
    std::istringstream lines(procs);
    for (std::string line; std::getline(lines, line);) {
        ProcFiles files { .pid = static_cast<pid_t>(std::atol(line.c_str())), .stat = {}, .status = {}, .cmdline = {} };
        auto stat = read_small_file(fmt::format("/proc/{}/stat", files.pid), kMaxProcFile);
        auto status = read_small_file(fmt::format("/proc/{}/status", files.pid), kMaxProcFile);
        if (!stat.ok() || !status.ok())
            continue; // gone meanwhile
        files.stat = stat.release_value();
        files.status = status.release_value();
        auto arguments = read_small_file(fmt::format("/proc/{}/cmdline", files.pid), kMaxProcFile);
        files.cmdline = arguments.ok() ? arguments.release_value() : std::string();
        if (auto process = parse_process(files, clock))
            processes.push_back(std::move(*process));
    }
    return processes;
}

// The guest's list, read to its end but no further than kMaxGuestList (the guest is hostile).
Result<std::vector<ContainerProcess>> vm_processes(const ContainerRecord& record)
{
    auto stream = TRY(VmTools(record.agent_socket).processes());
    auto bytes = TRY(read_at_most(stream.get(), kMaxGuestList, fmt::format("the process list of container {}", record.name)));
    auto decoded = TRY(decode_guest_processes(bytes));
    // The guest's clock: its ticks count from its own boot, which a restored template's VM continues.
    ProcClock clock { .ticks_per_second = ticks_per_second(), .uptime = decoded.uptime, .now = std::time(nullptr) };
    std::vector<ContainerProcess> processes;
    for (const auto& files : decoded.processes) {
        if (auto process = parse_process(files, clock))
            processes.push_back(std::move(*process));
    }
    return processes;
}

}

Result<std::vector<ContainerProcess>> container_processes(const ContainerRecord& record)
{
    if (record.state != ContainerState::Running || !monitor_alive(record) || (record.isolation == Isolation::Process && record.cgroups.empty()))
        return make_error("container {} is not running", record.name);
    auto processes = TRY(record.isolation == Isolation::Vm ? vm_processes(record) : host_processes(record));
    std::sort(processes.begin(), processes.end(), [](const auto& a, const auto& b) { return a.pid < b.pid; });
    return processes;
}

}
