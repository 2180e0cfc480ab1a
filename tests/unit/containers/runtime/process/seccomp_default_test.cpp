// Docker's default seccomp profile as vmlet writes it: which rules apply for which capabilities and
// architectures, and what the compiled filter does to a process that loads it (in a child, under
// no_new_privs, which needs no privilege).
#include "containers/runtime/process/capabilities.h"
#include "containers/runtime/process/seccomp_default.h"
#include "containers/runtime/process/seccomp_filter.h"
#include "tests/unit/containers/runtime/process/seccomp_child.h"

#include <gtest/gtest.h>

#include <linux/capability.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace vmlet {

namespace {

SeccompHost amd64(uint64_t capabilities)
{
    return { .arch = "amd64", .scmp_arch = "SCMP_ARCH_X86_64", .capabilities = capabilities, .kernel = { 6, 1 } };
}

// The action the applicable rules give `name` with no argument test: "allow", "errno N", or
// "default" when no such rule names it.
std::string plain_action(const std::vector<SeccompRule>& rules, const std::string& name)
{
    for (const auto& rule : rules) {
        if (rule.args.empty() && std::find(rule.names.begin(), rule.names.end(), name) != rule.names.end())
            return rule.action == SeccompAction::Allow ? "allow" : "errno " + std::to_string(rule.errno_ret.value_or(0));
    }
    return "default";
}

bool has_argument_rule(const std::vector<SeccompRule>& rules, const std::string& name)
{
    return std::any_of(rules.begin(), rules.end(), [&](const SeccompRule& rule) { return rule.names == std::vector<std::string> { name } && !rule.args.empty(); });
}

// getppid; keyctl, unshare(CLONE_NEWUSER), setns(-1), clone3 without arguments; an AF_VSOCK and
// an AF_UNIX socket; personality(PER_BSD), and asking for the personality.
std::vector<int> errors_under(const SeccompProgram& program)
{
    return test::errors_under_filter(program, {
        [] { return long(::getppid()); },
        [] { return ::syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0); },
        [] { return ::syscall(SYS_unshare, CLONE_NEWUSER); },
        [] { return ::syscall(SYS_setns, -1, 0); },
        [] { return ::syscall(SYS_clone3, nullptr, 0); },
        [] { return ::syscall(SYS_socket, AF_VSOCK, SOCK_STREAM, 0); },
        [] { return ::syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0); },
        [] { return ::syscall(SYS_personality, PER_BSD); },
        [] { return ::syscall(SYS_personality, 0xffffffff); },
    });
}

}

TEST(DefaultSeccompProfile, RulesFollowTheContainersCapabilities)
{
    auto defaults = applicable_rules(default_seccomp_profile(), amd64(default_container_capabilities()));
    EXPECT_EQ(plain_action(defaults, "read"), "allow");
    EXPECT_EQ(plain_action(defaults, "execve"), "allow");
    EXPECT_EQ(plain_action(defaults, "arch_prctl"), "allow");
    EXPECT_EQ(plain_action(defaults, "ptrace"), "allow"); // kernel 6.1 >= 4.8
    EXPECT_EQ(plain_action(defaults, "chroot"), "allow"); // CAP_SYS_CHROOT is a default
    for (const char* refused : { "keyctl", "add_key", "request_key", "unshare", "setns", "mount", "umount2", "bpf",
             "perf_event_open", "kexec_load", "init_module", "reboot", "swapon", "userfaultfd", "open_by_handle_at",
             "settimeofday", "clock_settime", "acct", "kcmp", "syslog", "uselib", "nfsservctl" })
        EXPECT_EQ(plain_action(defaults, refused), "default") << refused;
    EXPECT_TRUE(has_argument_rule(defaults, "clone"));
    EXPECT_EQ(plain_action(defaults, "clone3"), "errno 38"); // ENOSYS: glibc falls back to clone
    EXPECT_TRUE(has_argument_rule(defaults, "socket"));
    EXPECT_TRUE(has_argument_rule(defaults, "personality"));

    auto admin = applicable_rules(default_seccomp_profile(), amd64(default_container_capabilities() | uint64_t(1) << CAP_SYS_ADMIN));
    for (const char* granted : { "mount", "umount2", "unshare", "setns", "clone", "clone3", "bpf", "sethostname" })
        EXPECT_EQ(plain_action(admin, granted), "allow") << granted;
    EXPECT_FALSE(has_argument_rule(admin, "clone"));

    auto none = applicable_rules(default_seccomp_profile(), amd64(0));
    EXPECT_EQ(plain_action(none, "chroot"), "default");
    auto old_kernel = amd64(0);
    old_kernel.kernel = { 4, 4 };
    EXPECT_EQ(plain_action(applicable_rules(default_seccomp_profile(), old_kernel), "ptrace"), "default");
    auto arm64 = SeccompHost { .arch = "arm64", .scmp_arch = "SCMP_ARCH_AARCH64", .capabilities = 0, .kernel = { 6, 1 } };
    EXPECT_EQ(plain_action(applicable_rules(default_seccomp_profile(), arm64), "arch_prctl"), "default");
    EXPECT_EQ(plain_action(applicable_rules(default_seccomp_profile(), arm64), "set_tls"), "allow");
    EXPECT_EQ(filter_architectures(default_seccomp_profile(), amd64(0)),
        (std::vector<std::string> { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32" }));
}

TEST(DefaultSeccompProfile, TheCompiledFilterRefusesWhatItLeavesOut)
{
    auto host = seccomp_host(default_container_capabilities());
    ASSERT_TRUE(host.ok()) << host.error().message();
    auto program = compile_seccomp(default_seccomp_profile(), host.value());
    ASSERT_TRUE(program.ok()) << program.error().message();
    EXPECT_GT(program.value().instructions.size(), 100u);
    // getppid; keyctl, unshare(CLONE_NEWUSER), setns: EPERM; clone3: ENOSYS; an AF_VSOCK socket:
    // EPERM, an AF_UNIX one made; personality(PER_BSD): EPERM, the query allowed.
    EXPECT_EQ(errors_under(program.value()), (std::vector<int> { 0, EPERM, EPERM, EPERM, ENOSYS, EPERM, 0, EPERM, 0 }));

    // With CAP_SYS_ADMIN the same calls reach the kernel: setns(-1) says EBADF, clone3 without
    // arguments EINVAL.
    auto admin_host = seccomp_host(default_container_capabilities() | uint64_t(1) << CAP_SYS_ADMIN);
    ASSERT_TRUE(admin_host.ok());
    auto admin = compile_seccomp(default_seccomp_profile(), admin_host.value());
    ASSERT_TRUE(admin.ok()) << admin.error().message();
    auto errors = errors_under(admin.value());
    ASSERT_EQ(errors.size(), 9u);
    EXPECT_EQ(errors[3], EBADF);
    EXPECT_EQ(errors[4], EINVAL);
}

}
