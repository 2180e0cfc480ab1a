#include "containers/runtime/vm/monitor_jail.h"

#include <unistd.h>

namespace vmlet {

namespace {

// vmlet-vmm's default --jail-uid and --jail-gid (nobody, nogroup).
constexpr uid_t kJailUser = 65534;
constexpr gid_t kJailGroup = 65534;

}

bool monitor_jailed()
{
    return ::geteuid() == 0;
}

std::vector<std::string> monitor_jail_flags()
{
    if (!monitor_jailed())
        return {};
    return { "--jail" };
}

Result<void> open_to_monitor(const std::string& path)
{
    if (monitor_jailed() && ::lchown(path.c_str(), kJailUser, kJailGroup) < 0)
        return errno_error(fmt::format("cannot give {} to the VM's jailed monitor", path));
    return {};
}

}
