#include "devices/fs/host_calls.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

namespace vmlet::fs {

int open_beneath(int directory, std::string_view name, int flags, mode_t mode, UniqueFd& out)
{
    std::string component(name);
    open_how how {};
    how.flags = uint64_t(flags | O_NOFOLLOW | O_CLOEXEC);
    how.mode = (flags & O_CREAT) ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    long fd = ::syscall(SYS_openat2, directory, component.c_str(), &how, sizeof(how));
    if (fd < 0)
        return errno;
    out = UniqueFd(int(fd));
    return 0;
}

int stat_of(int fd, struct stat& out) { return ::fstatat(fd, "", &out, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ? errno : 0; }

int check_access(int directory, const char* name, int mask)
{
    return ::syscall(SYS_faccessat2, directory, name, mask, AT_EACCESS) < 0 ? errno : 0;
}

}
