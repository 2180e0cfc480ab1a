#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"
#include "containers/runtime/rotating_file.h"

#include <memory>
#include <string>
#include <thread>

namespace vmlet {

// A VM container's console (the guest kernel's and init's messages, which the guest controls) in
// console.log beside its record, rotated by the container's log limits: the monitor writes to a
// pipe, and a thread here appends what it reads, so a guest that floods its console fills no disk.
class ConsoleLog {
public:
    static Result<std::unique_ptr<ConsoleLog>> open(const std::string& path, RotationLimits limits);
    // Waits for the copy to end: the monitor, which holds the pipe's other end, must be gone.
    ~ConsoleLog();
    ConsoleLog(const ConsoleLog&) = delete;
    ConsoleLog& operator=(const ConsoleLog&) = delete;

    // The monitor's standard output and error, until release_monitor_side() once it has started.
    int monitor_side() const { return m_write_end.get(); }
    void release_monitor_side() { m_write_end.reset(); }

private:
    ConsoleLog() = default;

    UniqueFd m_write_end;
    std::thread m_copier;
};

}
