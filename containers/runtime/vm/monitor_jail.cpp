#include "containers/runtime/vm/monitor_jail.h"

#include <sys/stat.h>
#include <unistd.h>

namespace vmlet {

namespace {

// vmlet-vmm's default --jail-uid and --jail-gid (nobody, nogroup).
constexpr uid_t kJailUser = 65534;
constexpr gid_t kJailGroup = 65534;

bool monitor_jailed()
{
    return ::geteuid() == 0;
}

}

std::vector<std::string> monitor_jail_flags(const std::string& snapshot_directory)
{
    if (!monitor_jailed())
        return {};
    if (snapshot_directory.empty())
        return { "--jail" };
    return { "--jail", "--snapshot-dir", snapshot_directory };
}

Result<void> open_to_monitor(const std::string& path, MonitorAccess access)
{
    if (!monitor_jailed())
        return {};
    if (access == MonitorAccess::Write) {
        if (::lchown(path.c_str(), kJailUser, kJailGroup) < 0)
            return errno_error(fmt::format("cannot give {} to the VM's jailed monitor", path));
        return {};
    }
    struct stat status {};
    if (::lstat(path.c_str(), &status) < 0)
        return errno_error(fmt::format("cannot open {} to the VM's jailed monitor", path));
    // A directory: search; a socket: write, which connect(2) needs.
    mode_t mode = S_ISDIR(status.st_mode) ? 0710 : 0660;
    if (::lchown(path.c_str(), uid_t(-1), kJailGroup) < 0 || ::chmod(path.c_str(), mode) < 0)
        return errno_error(fmt::format("cannot open {} to the VM's jailed monitor", path));
    return {};
}

}
