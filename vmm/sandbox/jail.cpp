#include "vmm/sandbox/jail.h"

#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

namespace vmlet {

const int kFileServerCapabilities[6] = { CAP_SETUID, CAP_SETGID, CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID };

namespace {

// Where the jail's root is built before it becomes the root. Every Linux has /proc as a mount
// point, and no socket or snapshot directory can lie under it; the tmpfs covers it only in the
// jail's own mount namespace, and only until pivot_root.
constexpr const char* kBuildPoint = "/proc";

// Each directory of `path` under the jail being built, 0755 (a bind mount above may hold it already).
Result<void> make_directories(const std::string& path)
{
    std::filesystem::path partial = kBuildPoint;
    for (const auto& component : std::filesystem::path(path).relative_path()) {
        partial /= component;
        if (::mkdir(partial.c_str(), 0755) < 0 && errno != EEXIST)
            return errno_error(fmt::format("--jail: cannot make {} in the jail", path));
    }
    return {};
}

// `mount.path` at the same path in the jail being built: read-only unless writable, and never
// with set-user-ID programs, devices or anything to execute.
Result<void> bind(const JailMount& mount)
{
    TRY(make_directories(mount.path));
    auto target = std::string(kBuildPoint) + mount.path;
    if (::mount(mount.path.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) < 0)
        return errno_error(fmt::format("--jail: cannot show {} in the jail", mount.path));
    unsigned long flags = MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | MS_NOEXEC | (mount.writable ? 0 : MS_RDONLY);
    if (::mount(nullptr, target.c_str(), nullptr, flags, nullptr) < 0)
        return errno_error(fmt::format("--jail: cannot restrict {} in the jail", mount.path));
    return {};
}

// A root that holds the mounts, and the directories leading to `working_directory` so that the
// monitor can stay there, and nothing else (pivot_root(2), with new_root and put_old the same
// directory: the old root lands on top of the new one and is then detached).
Result<void> make_root(std::vector<JailMount> mounts, const std::string& working_directory)
{
    // Nothing mounted or unmounted here reaches the host's namespace.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
        return errno_error("--jail: cannot make the mounts private");
    if (::mount("vmlet-jail", kBuildPoint, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,size=64k") < 0)
        return errno_error("--jail: cannot mount the jail's tmpfs");
    // Parents first: a directory inside another is bound within the first one's mount.
    std::sort(mounts.begin(), mounts.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
    for (const auto& mount : mounts)
        TRY(bind(mount));
    // Empty but for what is bound there: relative paths (a vsock socket's, a snapshot's) go on
    // meaning what they did, through ".." too. Every directory on the way exists on the host, so
    // none is made inside a bound one.
    TRY(make_directories(working_directory));
    if (::chdir(kBuildPoint) < 0 || ::syscall(SYS_pivot_root, ".", ".") < 0 || ::umount2(".", MNT_DETACH) < 0 || ::chdir("/") < 0)
        return errno_error("--jail: cannot make the tmpfs the root");
    if (::mount(nullptr, "/", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) < 0)
        return errno_error("--jail: cannot make the jail's root read-only");
    return {};
}

bool kept(int capability, bool file_server)
{
    return file_server && std::find(std::begin(kFileServerCapabilities), std::end(kFileServerCapabilities), capability) != std::end(kFileServerCapabilities);
}

// The user and group, and no capabilities but a file server's: the bounding set first (that needs
// CAP_SETPCAP), then the IDs (which clear the permitted, effective and ambient sets,
// capabilities(7), unless PR_SET_KEEPCAPS keeps the permitted one), then every set explicitly,
// the inheritable one empty.
Result<void> drop_privileges(uid_t uid, gid_t gid, bool file_server)
{
    for (int capability = 0; ::prctl(PR_CAPBSET_READ, capability) >= 0; ++capability) {
        if (!kept(capability, file_server) && ::prctl(PR_CAPBSET_DROP, capability) < 0)
            return errno_error("--jail: cannot empty the capability bounding set");
    }
    if (file_server && ::prctl(PR_SET_KEEPCAPS, 1) < 0)
        return errno_error("--jail: cannot keep a file server's capabilities");
    if (::setgroups(0, nullptr) < 0 || ::setresgid(gid, gid, gid) < 0)
        return errno_error(fmt::format("--jail: cannot change to group {}", gid));
    if (::setresuid(uid, uid, uid) < 0)
        return errno_error(fmt::format("--jail: cannot change to user {}", uid));
    __user_cap_header_struct header { _LINUX_CAPABILITY_VERSION_3, 0 };
    __user_cap_data_struct sets[_LINUX_CAPABILITY_U32S_3] {};
    for (int capability : kFileServerCapabilities) {
        if (!kept(capability, file_server))
            continue;
        sets[CAP_TO_INDEX(capability)].permitted |= CAP_TO_MASK(capability);
        sets[CAP_TO_INDEX(capability)].effective |= CAP_TO_MASK(capability);
    }
    if (::syscall(SYS_capset, &header, sets) < 0)
        return errno_error(file_server ? "--jail: cannot drop every capability but a file server's" : "--jail: cannot drop every capability");
    if (file_server && ::prctl(PR_SET_KEEPCAPS, 0) < 0)
        return errno_error("--jail: cannot clear PR_SET_KEEPCAPS");
    return {};
}

}

Result<void> enter_jail(const JailOptions& options)
{
    if (::geteuid() != 0)
        return make_error("--jail needs root: it makes namespaces and changes to user {}", options.uid);
    std::error_code error;
    auto directory = std::filesystem::current_path(error);
    if (error)
        return make_error("--jail: cannot find the working directory: {}", error.message());
    int parent_death_signal = 0;
    ::prctl(PR_GET_PDEATHSIG, &parent_death_signal);
    pid_t parent = ::getppid();

    if (::unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC) < 0)
        return errno_error("--jail: cannot make the jail's namespaces");
    TRY(make_root(options.mounts, directory.string()));
    if (::chdir(directory.c_str()) < 0)
        return errno_error(fmt::format("--jail: cannot stay in {}", directory.string()));
    TRY(drop_privileges(options.uid, options.gid, options.file_server));
    // prctl(2): a change of user clears the parent-death signal; one set before goes on, unless
    // the parent has gone meanwhile.
    if (parent_death_signal != 0 && (::prctl(PR_SET_PDEATHSIG, parent_death_signal) < 0 || ::getppid() != parent))
        return make_error("--exit-with-parent: the parent has exited");
    return {};
}

}
