// Fuzzes what vmlet top reads from a VM container's agent (containers/runtime/process_table.h,
// guest/agent/agent_protocol.h "Tools", 'p'): the framed /proc files of the guest's processes, and
// each process's row made from them. The guest may send anything.
// Checks: a decoded list has no file larger than the protocol allows and no pid 0 or above the
// kernel's limit; every row's pid is its files', and its times and percentage are in range.

#include "containers/runtime/process_table.h"
#include "guest/agent/agent_protocol.h"
#include "tests/fuzz/fuzz_check.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

using vmlet::fuzz_support::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    auto decoded = vmlet::decode_guest_processes(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!decoded.ok())
        return 0;
    check(decoded.value().uptime >= 0, "uptime is not negative");
    vmlet::ProcClock clock { .ticks_per_second = 100, .uptime = decoded.value().uptime, .now = 1700000000 };
    for (const auto& files : decoded.value().processes) {
        check(files.pid > 0 && files.pid <= 4194304, "pid in range");
        check(files.stat.size() <= VMLET_AGENT_MAX_PROC_FILE && files.status.size() <= VMLET_AGENT_MAX_PROC_FILE
                && files.cmdline.size() <= VMLET_AGENT_MAX_PROC_FILE,
            "files within the protocol's size");
        auto row = vmlet::parse_process(files, clock);
        if (!row)
            continue;
        check(row->pid == files.pid, "the row's pid is its files'");
        check(row->cpu_percent >= 0 && row->cpu_percent <= 9999, "percentage in range");
        check(row->cpu_time.size() >= 8 && row->cpu_time[0] != '-', "cpu time is a clock");
        check(!row->command.empty(), "a command");
    }
    return 0;
}
