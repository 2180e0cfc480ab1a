#pragma once

#include "vmm/base/result.h"

#include <sys/types.h>

#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vmlet {

// One process of a container as `docker top` shows it by default (ps -ef's columns).
struct ContainerProcess {
    uid_t uid { 0 };
    pid_t pid { 0 };
    pid_t ppid { 0 };
    std::string start_time; // HH:MM, local time, as ps's STIME
    std::string tty;        // "?" without one, else pts/N
    std::string cpu_time;   // HH:MM:SS of user and system time, as ps's TIME
    int cpu_percent { 0 };  // that time over its life so far, as ps's C
    std::string command;    // its arguments, or [comm] for a kernel-made one without
};

// What a process's row is made from: its /proc/PID files (proc(5)), read on the host or sent by a
// VM container's agent, and the clock of the kernel they came from.
struct ProcFiles {
    pid_t pid { 0 };
    std::string stat, status, cmdline;
};
struct ProcClock {
    long ticks_per_second { 100 };
    double uptime { 0 };  // /proc/uptime's first field
    std::time_t now { 0 }; // wall-clock time then
};

// The row, or nothing for files that do not parse (a process gone meanwhile, or a hostile guest's).
std::optional<ContainerProcess> parse_process(const ProcFiles& files, const ProcClock& clock);

// A VM container's processes as its agent sends them (guest/agent/agent_protocol.h, "Tools",
// 'p'): /proc/uptime, then for each process its pid and three files, each counted. The guest is
// hostile: every count is checked against what is left and against VMLET_AGENT_MAX_PROC_FILE, and
// a stream cut short is an error.
struct GuestProcesses {
    double uptime { 0 };
    std::vector<ProcFiles> processes;
};
Result<GuestProcesses> decode_guest_processes(std::string_view bytes);

}
