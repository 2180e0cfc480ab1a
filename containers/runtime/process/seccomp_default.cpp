#include "containers/runtime/process/seccomp_default.h"

#include <sched.h>
#include <sys/personality.h>
#include <sys/socket.h>

#include <cerrno>
#include <initializer_list>

namespace vmlet {

namespace {

using Names = std::initializer_list<const char*>;

// What every container may call, grouped by what it is for. A name libseccomp does not know (a
// system call newer than it, or one of another architecture) is passed over when the filter is
// made. 32-bit and time64 variants sit beside their calls: x86_64 processes can make i386 and x32
// system calls too, and the filter covers those architectures.

constexpr Names paths_and_metadata {
    "access", "faccessat", "faccessat2", "chdir", "fchdir", "getcwd", "umask",
    "open", "openat", "openat2", "creat", "name_to_handle_at",
    "stat", "lstat", "fstat", "newfstatat", "statx", "stat64", "lstat64", "fstat64", "fstatat64",
    "statfs", "fstatfs", "statfs64", "fstatfs64", "statmount", "listmount",
    "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "fchownat", "lchown", "chown32", "fchown32", "lchown32",
    "truncate", "ftruncate", "truncate64", "ftruncate64",
    "utime", "utimes", "utimensat", "utimensat_time64", "futimesat",
    "link", "linkat", "symlink", "symlinkat", "readlink", "readlinkat", "rename", "renameat", "renameat2",
    "unlink", "unlinkat", "mkdir", "mkdirat", "rmdir", "mknod", "mknodat", "getdents", "getdents64",
    "flock", "inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch", "fanotify_mark",
};

constexpr Names extended_attributes {
    "getxattr", "lgetxattr", "fgetxattr", "getxattrat", "setxattr", "lsetxattr", "fsetxattr", "setxattrat",
    "listxattr", "llistxattr", "flistxattr", "listxattrat", "removexattr", "lremovexattr", "fremovexattr", "removexattrat",
};

constexpr Names descriptors_and_io {
    "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2", "pwritev2",
    "lseek", "_llseek", "close", "close_range", "dup", "dup2", "dup3", "fcntl", "fcntl64", "ioctl", "pipe", "pipe2",
    "sendfile", "sendfile64", "splice", "tee", "vmsplice", "copy_file_range", "fadvise64", "fadvise64_64", "readahead",
    "fallocate", "fsync", "fdatasync", "sync", "syncfs", "sync_file_range", "memfd_create", "memfd_secret", "cachestat",
    "io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents", "io_pgetevents", "io_pgetevents_time64",
};

constexpr Names waiting_for_events {
    "poll", "ppoll", "ppoll_time64", "select", "_newselect", "pselect6", "pselect6_time64",
    "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_wait", "epoll_wait_old", "epoll_pwait", "epoll_pwait2",
    "eventfd", "eventfd2", "signalfd", "signalfd4",
    "timerfd_create", "timerfd_settime", "timerfd_gettime", "timerfd_settime64", "timerfd_gettime64",
};

constexpr Names memory {
    "brk", "mmap", "mmap2", "munmap", "mremap", "mprotect", "madvise", "mincore", "msync", "remap_file_pages",
    "mlock", "mlock2", "mlockall", "munlock", "munlockall", "membarrier", "mseal", "map_shadow_stack",
    "pkey_alloc", "pkey_free", "pkey_mprotect",
};

constexpr Names processes_and_threads {
    "fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4", "waitid", "waitpid",
    "getpid", "getppid", "gettid", "getpgid", "setpgid", "getpgrp", "getsid", "setsid",
    "set_tid_address", "set_robust_list", "get_robust_list", "rseq", "restart_syscall", "get_thread_area", "set_thread_area",
    "prctl", "capget", "capset", "seccomp", "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self",
    "pidfd_open", "pidfd_send_signal", "process_mrelease", "kill", "tkill", "tgkill",
    "getrlimit", "setrlimit", "prlimit64", "ugetrlimit", "getrusage", "times", "uname", "sysinfo", "getcpu",
    "getrandom", "uretprobe", "riscv_hwprobe",
    "futex", "futex_time64", "futex_wait", "futex_wake", "futex_waitv", "futex_requeue",
};

constexpr Names signals {
    "rt_sigaction", "rt_sigprocmask", "rt_sigpending", "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64",
    "rt_sigqueueinfo", "rt_tgsigqueueinfo", "rt_sigreturn", "sigreturn", "sigprocmask", "sigaltstack", "pause", "alarm",
};

// Reading the clocks; setting them is for CAP_SYS_TIME below (adjtimex and clock_adjtime only read
// without it: the kernel checks).
constexpr Names time_and_timers {
    "time", "gettimeofday", "clock_gettime", "clock_gettime64", "clock_getres", "clock_getres_time64",
    "clock_nanosleep", "clock_nanosleep_time64", "nanosleep", "adjtimex", "clock_adjtime", "clock_adjtime64",
    "getitimer", "setitimer", "timer_create", "timer_delete", "timer_settime", "timer_settime64",
    "timer_gettime", "timer_gettime64", "timer_getoverrun",
};

constexpr Names scheduling {
    "sched_yield", "sched_getaffinity", "sched_setaffinity", "sched_getattr", "sched_setattr", "sched_getparam",
    "sched_setparam", "sched_getscheduler", "sched_setscheduler", "sched_get_priority_max", "sched_get_priority_min",
    "sched_rr_get_interval", "sched_rr_get_interval_time64", "getpriority", "setpriority", "ioprio_get", "ioprio_set",
};

constexpr Names credentials {
    "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups",
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid", "setgroups",
    "getuid32", "geteuid32", "getgid32", "getegid32", "getresuid32", "getresgid32", "getgroups32",
    "setuid32", "setgid32", "setreuid32", "setregid32", "setresuid32", "setresgid32", "setfsuid32", "setfsgid32", "setgroups32",
};

// System V and POSIX IPC: the container's IPC namespace holds them.
constexpr Names ipc {
    "ipc", "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semtimedop", "semtimedop_time64", "semctl",
    "shmget", "shmat", "shmdt", "shmctl", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedsend_time64",
    "mq_timedreceive", "mq_timedreceive_time64", "mq_notify", "mq_getsetattr",
};

// Everything about sockets but making one, which socket_rules() limits by family.
constexpr Names sockets {
    "socketpair", "bind", "connect", "listen", "accept", "accept4", "getsockname", "getpeername", "getsockopt",
    "setsockopt", "send", "sendto", "sendmsg", "sendmmsg", "recv", "recvfrom", "recvmsg", "recvmmsg",
    "recvmmsg_time64", "shutdown", "socketcall",
};

// Each system call, with the capabilities that bring it back: the kernel would let a process
// holding them do what the call does anyway.
struct CapabilityGrant {
    const char* capability;
    Names names;
};

const CapabilityGrant capability_grants[] {
    { "CAP_SYS_ADMIN", { "bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
                           "lookup_dcookie", "lsm_get_self_attr", "lsm_list_modules", "lsm_set_self_attr", "mount",
                           "mount_setattr", "move_mount", "open_tree", "perf_event_open", "quotactl", "quotactl_fd",
                           "setdomainname", "sethostname", "setns", "syslog", "umount", "umount2", "unshare" } },
    { "CAP_DAC_READ_SEARCH", { "open_by_handle_at" } },
    { "CAP_SYS_BOOT", { "reboot" } },
    { "CAP_SYS_CHROOT", { "chroot" } },
    { "CAP_SYS_MODULE", { "init_module", "finit_module", "delete_module" } },
    { "CAP_SYS_PACCT", { "acct" } },
    { "CAP_SYS_PTRACE", { "ptrace", "kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev" } },
    { "CAP_SYS_RAWIO", { "iopl", "ioperm" } },
    { "CAP_SYS_TIME", { "settimeofday", "stime", "clock_settime", "clock_settime64" } },
    { "CAP_SYS_TTY_CONFIG", { "vhangup" } },
    { "CAP_SYS_NICE", { "get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node" } },
    { "CAP_SYSLOG", { "syslog" } },
    { "CAP_BPF", { "bpf" } },
    { "CAP_PERFMON", { "perf_event_open" } },
};

// System calls of one architecture family, in moby's architecture names.
struct ArchitectureGrant {
    std::vector<std::string> arches;
    Names names;
};

const ArchitectureGrant architecture_grants[] {
    { { "amd64", "x32" }, { "arch_prctl" } },
    { { "amd64", "x32", "x86" }, { "modify_ldt" } },
    { { "arm", "arm64" }, { "arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush", "set_tls" } },
    { { "ppc64le" }, { "sync_file_range2", "swapcontext" } },
    { { "s390", "s390x" }, { "s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr" } },
    { { "riscv64" }, { "riscv_flush_icache" } },
};

// The namespace flags of clone(2): without CAP_SYS_ADMIN a process may clone, but not into new
// namespaces.
constexpr uint64_t namespace_flags = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER
    | CLONE_NEWPID | CLONE_NEWNET;

SeccompRule allow(Names names)
{
    return { .names = { names.begin(), names.end() }, .action = SeccompAction::Allow };
}

SeccompRule allow_when(Names names, SeccompArgument argument)
{
    auto rule = allow(names);
    rule.args.push_back(argument);
    return rule;
}

void add_rules(SeccompProfile& profile)
{
    for (auto group : { paths_and_metadata, extended_attributes, descriptors_and_io, waiting_for_events, memory,
             processes_and_threads, signals, time_and_timers, scheduling, credentials, ipc, sockets })
        profile.rules.push_back(allow(group));

    // ptrace stopped being a way around the filter in Linux 4.8, which checks again after the
    // tracer changed a system call.
    auto tracing = allow({ "ptrace", "process_vm_readv", "process_vm_writev" });
    tracing.includes.min_kernel = std::pair { 4u, 8u };
    profile.rules.push_back(tracing);

    // Sockets of every family but AF_ALG (the kernel's crypto API) and AF_VSOCK (the host's vsock).
    using Op = SeccompArgument::Op;
    profile.rules.push_back(allow_when({ "socket" }, { .index = 0, .value = AF_ALG, .value_two = 0, .op = Op::Less }));
    profile.rules.push_back(allow_when({ "socket" }, { .index = 0, .value = AF_NFC, .value_two = 0, .op = Op::Equal }));
    profile.rules.push_back(allow_when({ "socket" }, { .index = 0, .value = AF_VSOCK, .value_two = 0, .op = Op::Greater }));

    // personality(2) only to set Linux's own personalities or to ask which is set (0xffffffff).
    constexpr uint64_t linux32 = PER_LINUX32, uname26 = UNAME26, query = 0xffffffff;
    for (uint64_t persona : { uint64_t(PER_LINUX), linux32, uname26, uname26 | linux32, query })
        profile.rules.push_back(allow_when({ "personality" }, { .index = 0, .value = persona, .value_two = 0, .op = Op::Equal }));

    for (const auto& grant : architecture_grants) {
        auto rule = allow(grant.names);
        rule.includes.arches = grant.arches;
        profile.rules.push_back(rule);
    }
    for (const auto& grant : capability_grants) {
        auto rule = allow(grant.names);
        rule.includes.caps = { grant.capability };
        profile.rules.push_back(rule);
    }

    // Without CAP_SYS_ADMIN: clone without namespace flags (s390 takes the flags second), and
    // clone3 says ENOSYS, whose flags sit in memory a filter cannot read; glibc then falls back
    // to clone.
    auto plain_clone = allow_when({ "clone" }, { .index = 0, .value = namespace_flags, .value_two = 0, .op = Op::MaskedEqual });
    plain_clone.excludes = { .caps = { "CAP_SYS_ADMIN" }, .arches = { "s390", "s390x" } };
    profile.rules.push_back(plain_clone);
    auto plain_clone_s390 = allow_when({ "clone" }, { .index = 1, .value = namespace_flags, .value_two = 0, .op = Op::MaskedEqual });
    plain_clone_s390.includes.arches = { "s390", "s390x" };
    plain_clone_s390.excludes.caps = { "CAP_SYS_ADMIN" };
    profile.rules.push_back(plain_clone_s390);
    SeccompRule no_clone3 { .names = { "clone3" }, .action = SeccompAction::Errno, .errno_ret = ENOSYS };
    no_clone3.excludes.caps = { "CAP_SYS_ADMIN" };
    profile.rules.push_back(no_clone3);
}

}

const SeccompProfile& default_seccomp_profile()
{
    static const SeccompProfile profile = [] {
        SeccompProfile built { .default_action = SeccompAction::Errno, .default_errno = EPERM };
        built.arch_map = {
            { "SCMP_ARCH_X86_64", { "SCMP_ARCH_X86", "SCMP_ARCH_X32" } },
            { "SCMP_ARCH_AARCH64", { "SCMP_ARCH_ARM" } },
            { "SCMP_ARCH_MIPS64", { "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32" } },
            { "SCMP_ARCH_MIPS64N32", { "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64" } },
            { "SCMP_ARCH_MIPSEL64", { "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64N32" } },
            { "SCMP_ARCH_MIPSEL64N32", { "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64" } },
            { "SCMP_ARCH_S390X", { "SCMP_ARCH_S390" } },
            { "SCMP_ARCH_RISCV64", {} },
            { "SCMP_ARCH_LOONGARCH64", {} },
        };
        add_rules(built);
        return built;
    }();
    return profile;
}

}
