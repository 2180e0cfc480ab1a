#pragma once

#include <sys/types.h>

namespace vmlet::fs {

// The guest caller's user and group as the host's file-system credentials of this thread, for the
// life of one request (setfsuid(2), setfsgid(2): per thread, and the host kernel then checks
// permissions and sets owners as for that user; guest root is host root within the export, as with
// virtiofsd). Moving fsuid away from 0 drops the file capabilities from the thread's effective set,
// and back to 0 restores them, so a guest user gets exactly its own rights. Switched only when the
// server may (it runs as root or kept CAP_SETUID and CAP_SETGID in its jail); ok() says whether the
// switch took, and a request whose switch failed is refused rather than run with other rights.
class ScopedCredentials {
public:
    ScopedCredentials(bool enabled, uid_t uid, gid_t gid);
    ~ScopedCredentials();
    ScopedCredentials(const ScopedCredentials&) = delete;
    ScopedCredentials& operator=(const ScopedCredentials&) = delete;

    bool ok() const { return m_ok; }

private:
    bool m_enabled;
    bool m_ok { true };
    uid_t m_saved_uid { 0 };
    gid_t m_saved_gid { 0 };
};

// Whether this process may switch file-system credentials: CAP_SETUID and CAP_SETGID effective.
bool may_switch_credentials();

// Gives the calling thread a umask of its own, 0 (unshare(CLONE_FS), umask(2)): the guest kernel
// applied the caller's umask to every mode it sends (FUSE_DONT_MASK is not negotiated), and the
// monitor's own must not be applied again. Other threads keep theirs.
bool use_own_umask();

}
