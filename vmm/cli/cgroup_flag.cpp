#include "vmm/cli/cgroup_flag.h"

#include "vmm/base/unique_fd.h"

#include <fcntl.h>
#include <unistd.h>

namespace vmlet {

void add_cgroup_flag(CLI::App& command, std::vector<std::string>& directories)
{
    command.add_option("--cgroup", directories, "Join this cgroup directory before the VM allocates anything (repeatable: one per cgroup v1 hierarchy)")
        ->check(CLI::ExistingDirectory);
}

Result<void> join_cgroups(const std::vector<std::string>& directories)
{
    for (const auto& directory : directories) {
        auto procs = directory + "/cgroup.procs";
        UniqueFd fd(::open(procs.c_str(), O_WRONLY | O_CLOEXEC));
        if (!fd.valid() || ::write(fd.get(), "0", 1) != 1)
            return errno_error(fmt::format("--cgroup: cannot join {}", directory));
    }
    return {};
}

}
