#include "devices/fs/credentials.h"

#include <linux/capability.h>
#include <sched.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace vmlet::fs {

ScopedCredentials::ScopedCredentials(bool enabled, uid_t uid, gid_t gid)
    : m_enabled(enabled)
{
    if (!m_enabled)
        return;
    // Through 0 each way: the kernel drops the file capabilities from the effective set only on a
    // change of fsuid from 0 to another ID (capabilities(7)), so a jailed monitor (fsuid 65534)
    // going straight to a guest user's ID would keep CAP_DAC_OVERRIDE for it. The group while
    // fsuid is 0, when CAP_SETGID is surely effective. setfsuid and setfsgid return the previous
    // ID whether or not they changed it; a call with -1 reads the current one.
    m_saved_uid = uid_t(::setfsuid(0));
    m_saved_gid = gid_t(::setfsgid(gid));
    ::setfsuid(uid);
    m_ok = gid_t(::setfsgid(gid_t(-1))) == gid && uid_t(::setfsuid(uid_t(-1))) == uid;
}

ScopedCredentials::~ScopedCredentials()
{
    if (!m_enabled)
        return;
    ::setfsuid(0);
    ::setfsgid(m_saved_gid);
    ::setfsuid(m_saved_uid);
}

bool may_switch_credentials()
{
    __user_cap_header_struct header { _LINUX_CAPABILITY_VERSION_3, 0 };
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] {};
    if (::syscall(SYS_capget, &header, data) < 0)
        return false;
    auto effective = [&](int capability) { return (data[CAP_TO_INDEX(capability)].effective & CAP_TO_MASK(capability)) != 0; };
    return effective(CAP_SETUID) && effective(CAP_SETGID);
}

bool use_own_umask()
{
    if (::unshare(CLONE_FS) < 0)
        return false;
    ::umask(0);
    return true;
}

}
