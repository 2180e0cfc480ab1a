#include "vmm/vm/vm_config.h"

#include "boot/mptable.h"
#include "vmm/base/host.h"

namespace vmlet {

Result<void> validate_config(const VmConfig& config)
{
    if (config.cpus == 0 || config.cpus > kMaxMpTableCpus)
        return make_error("--cpus must be between 1 and {}, not {}", kMaxMpTableCpus, config.cpus);
    if (config.memory_mib < kMinMemoryMib)
        return make_error("--memory {} MiB is too small: a guest needs at least {} MiB", config.memory_mib, kMinMemoryMib);
    uint64_t host_mib = host_memory_bytes() >> 20;
    if (host_mib > 0 && config.memory_mib > host_mib)
        return make_error("--memory {} MiB is more than this host has ({} MiB)", config.memory_mib, host_mib);
    return {};
}

}
