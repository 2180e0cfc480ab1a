#include "containers/runtime/container_processes.h"

#include "vmm/base/file.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <sstream>

namespace vmlet {

namespace {

constexpr size_t kMaxProcFile = 64 * 1024;

// The fields of /proc/PID/stat after "(comm) ", which comm's own spaces and parentheses cannot shift.
std::vector<std::string> stat_fields(const std::string& stat, std::string& comm)
{
    auto open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close < open)
        return {};
    comm = stat.substr(open + 1, close - open - 1);
    std::istringstream rest(stat.substr(close + 1));
    std::vector<std::string> fields;
    for (std::string field; rest >> field;)
        fields.push_back(field);
    return fields;
}

long long number(const std::string& text)
{
    long long value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
}

std::string clock_text(long long seconds)
{
    return fmt::format("{:02}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60);
}

// /proc/uptime's first field: seconds since boot, to turn a start time in ticks into a clock time.
double uptime_seconds()
{
    auto text = read_small_file("/proc/uptime", 256);
    return text.ok() ? std::atof(text.value().c_str()) : 0;
}

std::optional<ContainerProcess> read_process(pid_t pid, long ticks_per_second, double uptime, std::time_t now)
{
    auto stat = read_small_file(fmt::format("/proc/{}/stat", pid), kMaxProcFile);
    auto status = read_small_file(fmt::format("/proc/{}/status", pid), kMaxProcFile);
    if (!stat.ok() || !status.ok())
        return std::nullopt; // gone meanwhile
    std::string comm;
    // After comm: state(0) ppid(1) pgrp(2) session(3) tty_nr(4) ... utime(11) stime(12) ... starttime(19).
    auto fields = stat_fields(stat.value(), comm);
    if (fields.size() < 20)
        return std::nullopt;
    ContainerProcess process;
    process.pid = pid;
    process.ppid = static_cast<pid_t>(number(fields[1]));
    auto tty = number(fields[4]);
    // tty_nr: major in bits 15..8, minor in 31..20 and 7..0; 136-143 are the pseudo-terminals.
    auto major = (tty >> 8) & 0xfff, minor = (tty & 0xff) | ((tty >> 12) & 0xfff00);
    process.tty = tty == 0 ? "?" : major >= 136 && major <= 143 ? fmt::format("pts/{}", (major - 136) * 256 + minor) : fmt::format("{}:{}", major, minor);
    auto cpu_ticks = number(fields[11]) + number(fields[12]);
    process.cpu_time = clock_text(cpu_ticks / ticks_per_second);
    auto alive_ticks = uptime * double(ticks_per_second) - double(number(fields[19]));
    process.cpu_percent = alive_ticks > 0 ? static_cast<int>(double(cpu_ticks) * 100 / alive_ticks) : 0;
    auto started = now - static_cast<std::time_t>(uptime - double(number(fields[19])) / double(ticks_per_second));
    std::tm local {};
    ::localtime_r(&started, &local);
    char text[16];
    std::strftime(text, sizeof text, "%H:%M", &local);
    process.start_time = text;
    // "Uid:\tREAL\tEFFECTIVE\t...": ps -ef's UID is the effective one.
    auto uid_line = status.value().find("\nUid:");
    if (uid_line != std::string::npos) {
        std::istringstream ids(status.value().substr(uid_line + 5, 64));
        long long real = 0, effective = 0;
        ids >> real >> effective;
        process.uid = static_cast<uid_t>(effective);
    }
    auto arguments = read_small_file(fmt::format("/proc/{}/cmdline", pid), kMaxProcFile);
    std::string command = arguments.ok() ? arguments.value() : std::string();
    while (!command.empty() && command.back() == '\0')
        command.pop_back();
    std::replace(command.begin(), command.end(), '\0', ' ');
    process.command = command.empty() ? "[" + comm + "]" : command;
    return process;
}

}

Result<std::vector<ContainerProcess>> container_processes(const ContainerRecord& record)
{
    if (record.isolation == Isolation::Vm)
        return make_error("vmlet top does not look into VM containers yet ({})", record.name);
    if (record.state != ContainerState::Running || !monitor_alive(record) || record.cgroups.empty())
        return make_error("container {} is not running", record.name);
    // Every hierarchy's cgroup holds the same processes: the first one says which.
    auto procs = TRY(read_small_file(record.cgroups.front() + "/cgroup.procs", 1 << 20));
    long ticks = ::sysconf(_SC_CLK_TCK);
    auto uptime = uptime_seconds();
    auto now = std::time(nullptr);
    std::vector<ContainerProcess> processes;
    std::istringstream lines(procs);
    for (std::string line; std::getline(lines, line);) {
        if (auto process = read_process(static_cast<pid_t>(number(line)), ticks > 0 ? ticks : 100, uptime, now))
            processes.push_back(std::move(*process));
    }
    std::sort(processes.begin(), processes.end(), [](const auto& a, const auto& b) { return a.pid < b.pid; });
    return processes;
}

}
