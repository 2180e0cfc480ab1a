// Profiles in moby's JSON format: what they parse into, what is refused, and what a parsed one does
// once compiled and loaded.
#include "containers/runtime/process/seccomp_json.h"
#include "tests/unit/containers/runtime/process/seccomp_child.h"

#include <gtest/gtest.h>

#include <linux/keyctl.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace vmlet {

namespace {

std::string refusal(std::string_view json)
{
    auto parsed = parse_seccomp_profile(json);
    return parsed.ok() ? "accepted" : parsed.error().message();
}

// A profile of every kind of field; what it should parse into follows.
constexpr std::string_view kProfile = R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "defaultErrnoRet": 38,
    "archMap": [ { "architecture": "SCMP_ARCH_X86_64", "subArchitectures": [ "SCMP_ARCH_X86" ] },
                 { "architecture": "SCMP_ARCH_RISCV64", "subArchitectures": null } ],
    "flags": [ "SECCOMP_FILTER_FLAG_LOG" ],
    "comment": "fields vmlet does not know are passed over",
    "syscalls": [
        { "names": [ "read", "write" ], "action": "SCMP_ACT_ALLOW", "args": [] },
        { "name": "keyctl", "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "comment": "the older single name" },
        { "names": [ "personality" ], "action": "SCMP_ACT_ALLOW",
          "args": [ { "index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ" },
                    { "index": 1, "value": 255, "valueTwo": 8, "op": "SCMP_CMP_MASKED_EQ" } ] },
        { "names": [ "ptrace" ], "action": "SCMP_ACT_KILL_PROCESS",
          "includes": { "minKernel": "4.8", "arches": [ "amd64" ] }, "excludes": { "caps": [ "CAP_SYS_PTRACE" ] } }
    ]
})";

}

TEST(SeccompJson, ReadsMobysFormat)
{
    auto parsed = parse_seccomp_profile(kProfile);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    using Op = SeccompArgument::Op;
    SeccompProfile expected { .default_action = SeccompAction::Errno, .default_errno = 38 };
    expected.arch_map = { { "SCMP_ARCH_X86_64", { "SCMP_ARCH_X86" } }, { "SCMP_ARCH_RISCV64", {} } };
    expected.flags = { "SECCOMP_FILTER_FLAG_LOG" };
    expected.rules = {
        { .names = { "read", "write" }, .action = SeccompAction::Allow },
        { .names = { "keyctl" }, .action = SeccompAction::Errno, .errno_ret = 13 },
        { .names = { "personality" }, .action = SeccompAction::Allow, .errno_ret = {},
            .args = { { .index = 0, .value = 0xffffffff, .value_two = 0, .op = Op::Equal },
                { .index = 1, .value = 255, .value_two = 8, .op = Op::MaskedEqual } } },
        { .names = { "ptrace" }, .action = SeccompAction::KillProcess, .errno_ret = {}, .args = {},
            .includes = { .caps = {}, .arches = { "amd64" }, .min_kernel = std::pair { 4u, 8u } },
            .excludes = { .caps = { "CAP_SYS_PTRACE" } } },
    };
    EXPECT_EQ(parsed.value(), expected);
    EXPECT_EQ(parse_seccomp_profile(R"({"defaultAction": "SCMP_ACT_KILL", "architectures": ["SCMP_ARCH_X86_64"]})").value().default_action,
        SeccompAction::KillThread);
}

TEST(SeccompJson, RefusesWhatItCannotApply)
{
    EXPECT_EQ(refusal("{"), "the seccomp profile is not valid JSON");
    EXPECT_EQ(refusal("[]"), "the seccomp profile is not a JSON object");
    EXPECT_EQ(refusal("{}"), "the seccomp profile: it has no defaultAction (for no filter at all, use seccomp=unconfined)");
    EXPECT_EQ(refusal(R"({"defaultAction": "SCMP_ACT_MAYBE"})"), "the seccomp profile: unknown seccomp action \"SCMP_ACT_MAYBE\"");
    EXPECT_EQ(refusal(R"({"defaultAction": "SCMP_ACT_NOTIFY"})"),
        "the seccomp profile: the seccomp action SCMP_ACT_NOTIFY needs a listener, which vmlet does not run");
    EXPECT_EQ(refusal(R"({"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/agent.sock"})"),
        "the seccomp profile: it names a listenerPath: vmlet runs no seccomp listener");
    EXPECT_EQ(refusal(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86"], "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]})"),
        "the seccomp profile: it has both 'architectures' and 'archMap': give one");
    EXPECT_EQ(refusal(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"name": "read", "names": ["write"], "action": "SCMP_ACT_ERRNO"}]})"),
        "the seccomp profile: a syscalls entry has both 'name' and 'names'");
    EXPECT_EQ(refusal(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [], "action": "SCMP_ACT_ERRNO"}]})"),
        "the seccomp profile: a syscalls entry names no system call");
    EXPECT_EQ(refusal(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": "read", "action": "SCMP_ACT_ERRNO"}]})"),
        "the seccomp profile: 'names' is not an array of strings");
    EXPECT_EQ(refusal(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
        "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]})"),
        "the seccomp profile: the rule for read: 'index' is 6, more than 5");
    EXPECT_EQ(refusal(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
        "args": [{"index": 0, "value": -1, "op": "SCMP_CMP_EQ"}]}]})"),
        "the seccomp profile: the rule for read: 'value' is not a non-negative integer");
    EXPECT_EQ(refusal(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
        "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_ABOUT"}]}]})"),
        "the seccomp profile: the rule for read: unknown seccomp operator \"SCMP_CMP_ABOUT\"");
    for (const char* version : { "4", "0.0", "4.8.1", "x.y", "4.", "300.1" })
        EXPECT_EQ(refusal(fmt::format(R"({{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{{"names": ["read"], "action": "SCMP_ACT_ERRNO",
            "includes": {{"minKernel": "{}"}}}}]}})", version)),
            fmt::format("the seccomp profile: the rule for read: includes: invalid minKernel \"{}\": give MAJOR.MINOR", version));
}

TEST(SeccompJson, AParsedProfileFiltersAsItSays)
{
    // Everything allowed but keyctl (EACCES) and personality other than the query.
    auto parsed = parse_seccomp_profile(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["keyctl"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
        {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_NE"}]},
        {"names": ["no_such_call"], "action": "SCMP_ACT_ERRNO"}]})");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    auto host = seccomp_host(0);
    ASSERT_TRUE(host.ok()) << host.error().message();
    auto program = compile_seccomp(parsed.value(), host.value());
    ASSERT_TRUE(program.ok()) << program.error().message();
    auto errors = test::errors_under_filter(program.value(), {
        [] { return long(::getppid()); },
        [] { return ::syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0); },
        [] { return ::syscall(SYS_personality, PER_BSD); },
        [] { return ::syscall(SYS_personality, 0xffffffff); },
    });
    EXPECT_EQ(errors, (std::vector<int> { 0, EACCES, EPERM, 0 }));

    // A flag or an architecture libseccomp cannot use is an error when compiled.
    auto flagged = parse_seccomp_profile(R"({"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_NEW_LISTENER"]})");
    ASSERT_TRUE(flagged.ok());
    EXPECT_EQ(compile_seccomp(flagged.value(), host.value()).error().message(),
        "the seccomp flag SECCOMP_FILTER_FLAG_NEW_LISTENER is not supported (SECCOMP_FILTER_FLAG_LOG and SECCOMP_FILTER_FLAG_SPEC_ALLOW are)");
    auto elsewhere = parse_seccomp_profile(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_VAX"]})");
    ASSERT_TRUE(elsewhere.ok());
    EXPECT_EQ(compile_seccomp(elsewhere.value(), host.value()).error().message(), "unknown seccomp architecture SCMP_ARCH_VAX");
}

}
