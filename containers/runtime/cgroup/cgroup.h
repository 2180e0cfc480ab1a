#pragma once

#include "vmm/base/result.h"
#include "containers/runtime/cgroup/cgroup_layout.h"
#include "containers/runtime/container_spec.h"

#include <sys/types.h>

#include <string>
#include <vector>

namespace vmlet {

// Which devices a container's processes may use.
enum class DeviceAccess {
    Allowlist, // default_device_rules() only (device_cgroup.h)
    All,       // whatever the caller's own cgroup allows (--privileged)
};

// A container's cgroup, vmlet/<id> below the caller's own cgroup, in every hierarchy that holds the memory,
// pids and cpu controllers (v1, and the devices controller with DeviceAccess::Allowlist) or in the unified
// hierarchy (v2), with the limits written and the devices confined. Removed on destruction; the container's
// processes must be gone by then.
class Cgroup {
public:
    static Result<Cgroup> create(const CgroupLayout& layout, const std::string& id, const ResourceLimits& limits,
        DeviceAccess devices);
    // The cgroup of a container whose monitor died (container_reclaim.h), from its record.
    static Cgroup adopt(std::vector<std::string> directories) { return Cgroup(std::move(directories)); }

    Cgroup(Cgroup&& other) noexcept
        : m_directories(std::exchange(other.m_directories, {}))
    {
    }
    Cgroup& operator=(Cgroup&& other) noexcept;
    Cgroup(const Cgroup&) = delete;
    Cgroup& operator=(const Cgroup&) = delete;
    ~Cgroup();

    // Moves a process in (cgroup.procs); its later children are born inside.
    Result<void> add_process(pid_t pid) const;

    // Removes the directories, waiting briefly for exiting processes to leave them; idempotent.
    Result<void> remove();

    const std::vector<std::string>& directories() const { return m_directories; }

private:
    explicit Cgroup(std::vector<std::string> directories)
        : m_directories(std::move(directories))
    {
    }

    std::vector<std::string> m_directories;
};

// Writes a cgroup control file's value in one write(2), as the kernel takes it; the error's code() is
// the errno, which callers tell apart (EBUSY).
Result<void> write_cgroup_file(const std::string& path, std::string_view value);

// The values written, in order: (file, value). Exposed for tests; v1 sets memory before memory+swap
// because the kernel refuses memsw below memory.
std::vector<std::pair<std::string, std::string>> cgroup_limit_files(CgroupVersion version, const ResourceLimits& limits);

}
