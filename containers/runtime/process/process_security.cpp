#include "containers/runtime/process/process_security.h"

#include "containers/runtime/process/capabilities.h"

#include <sys/syscall.h>
#include <unistd.h>

namespace vmlet {

Result<ProcessSecurity> resolve_process_security(const SecurityOptions& options)
{
    ProcessSecurity security;
    auto available = TRY(available_capabilities());
    security.capabilities = TRY(container_capabilities(options, available));
    security.last_capability = TRY(last_capability());
    return security;
}

const char* take_container_identity(const ProcessSecurity& security, uid_t uid, gid_t gid, std::span<const gid_t> groups)
{
    if (!drop_bounding_capabilities(security.capabilities, security.last_capability))
        return "drop capabilities from the bounding set";
    // Raw system calls: glibc's wrappers would broadcast the change to the parent's other threads, which
    // its copied bookkeeping still lists but which do not exist here (nptl's setxid).
    if (::syscall(SYS_setgroups, groups.size(), groups.data()) < 0)
        return "setgroups";
    if (::syscall(SYS_setresgid, gid, gid, gid) < 0)
        return "setgid";
    if (::syscall(SYS_setresuid, uid, uid, uid) < 0)
        return "setuid";
    // setuid(2) to a non-zero uid has emptied the permitted and effective sets already.
    if (!set_capabilities(uid == 0 ? security.capabilities : 0))
        return "set the capabilities";
    return nullptr;
}

}
