#include "containers/runtime/process/process_security.h"

#include "containers/runtime/process/capabilities.h"
#include "containers/runtime/process/seccomp_default.h"
#include "containers/runtime/process/seccomp_json.h"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace vmlet {

Result<ProcessSecurity> resolve_process_security(const SecurityOptions& options)
{
    ProcessSecurity security;
    auto available = TRY(available_capabilities());
    security.capabilities = TRY(container_capabilities(options, available));
    security.last_capability = TRY(last_capability());
    security.no_new_privileges = options.no_new_privileges.value_or(true);
    if (options.privileged || options.seccomp == SeccompMode::Unconfined)
        return security;
    auto host = TRY(seccomp_host(security.capabilities));
    if (options.seccomp == SeccompMode::Profile) {
        auto profile = TRY(parse_seccomp_profile(options.seccomp_profile));
        security.seccomp = TRY_CONTEXT(compile_seccomp(profile, host), "the seccomp profile");
    } else {
        security.seccomp = TRY(compile_seccomp(default_seccomp_profile(), host));
    }
    return security;
}

const char* take_container_identity(const ProcessSecurity& security, uid_t uid, gid_t gid, std::span<const gid_t> groups)
{
    if (security.seccomp && !security.no_new_privileges && !load_seccomp(*security.seccomp))
        return "load the seccomp filter";
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

const char* restrict_system_calls(const ProcessSecurity& security)
{
    if (!security.no_new_privileges)
        return nullptr;
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return "set no_new_privs";
    if (security.seccomp && !load_seccomp(*security.seccomp))
        return "load the seccomp filter";
    return nullptr;
}

}
