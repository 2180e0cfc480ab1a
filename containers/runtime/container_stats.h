#pragma once

#include "containers/runtime/container_store.h"
#include "vmm/base/result.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace vmlet {

// What `docker stats` shows of one container, read from its cgroups (a process container's, or a
// VM container's monitor's: the VM as the host pays for it, guest RAM included), and for a VM
// container its processes from its guest (container_processes.h).
struct ContainerStats {
    double cpu_percent { 0 };   // CPU time used over the sampling interval, 100 per full CPU
    uint64_t memory_bytes { 0 }; // memory.usage_in_bytes (v1) or memory.current (v2)
    uint64_t memory_limit { 0 }; // its limit, or the host's memory when it has none (as Docker)
    uint64_t pids { 0 };        // pids.current; a VM container's guest processes
};

// Samples the running containers twice, `interval` apart, for their CPU shares (together, so that
// N containers take one interval, not N); one result for each record, in order.
Result<std::vector<ContainerStats>> sample_container_stats(const std::vector<ContainerRecord>& records, std::chrono::milliseconds interval);

}
