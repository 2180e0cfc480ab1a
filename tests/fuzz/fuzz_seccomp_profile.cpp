// Fuzzes the seccomp profile parser (containers/runtime/process/seccomp_json.cpp), which reads the
// file a user gives with --security-opt seccomp=FILE, in moby's JSON format.
// Input: the profile's text, byte for byte.
// Checks, for a profile the parser accepts: every rule names a system call; argument indices are
// 0 to 5; a minKernel is MAJOR.MINOR below 256 and not 0.0; not both architectures and archMap;
// written back out in moby's format (by this target) and parsed again, the profile is the same.
// Then the rules that apply on this host with no capability and with all of them are a subset of
// the profile's, and the profile compiles into a filter the kernel would take, or is refused with
// a message.

#include "containers/image/json_fields.h"
#include "containers/runtime/process/seccomp_filter.h"
#include "containers/runtime/process/seccomp_json.h"
#include "tests/fuzz/fuzz_check.h"

#include <linux/filter.h>

#include <algorithm>
#include <cstdint>
#include <string_view>

using namespace vmlet;
using vmlet::fuzz_support::check;
using Json = vmlet::image::json_fields::Json;

namespace {

const char* action_name(SeccompAction action)
{
    switch (action) {
    case SeccompAction::KillThread:
        return "SCMP_ACT_KILL_THREAD";
    case SeccompAction::KillProcess:
        return "SCMP_ACT_KILL_PROCESS";
    case SeccompAction::Trap:
        return "SCMP_ACT_TRAP";
    case SeccompAction::Errno:
        return "SCMP_ACT_ERRNO";
    case SeccompAction::Trace:
        return "SCMP_ACT_TRACE";
    case SeccompAction::Allow:
        return "SCMP_ACT_ALLOW";
    case SeccompAction::Log:
        return "SCMP_ACT_LOG";
    }
    return "";
}

const char* operator_name(SeccompArgument::Op op)
{
    constexpr const char* names[] { "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ" };
    return names[static_cast<size_t>(op)];
}

Json condition_json(const SeccompCondition& condition)
{
    Json json = Json::object();
    json["caps"] = condition.caps;
    json["arches"] = condition.arches;
    if (condition.min_kernel)
        json["minKernel"] = std::to_string(condition.min_kernel->first) + "." + std::to_string(condition.min_kernel->second);
    return json;
}

std::string serialise(const SeccompProfile& profile)
{
    Json json { { "defaultAction", action_name(profile.default_action) }, { "flags", profile.flags } };
    if (profile.default_errno)
        json["defaultErrnoRet"] = *profile.default_errno;
    if (!profile.architectures.empty())
        json["architectures"] = profile.architectures;
    for (const auto& entry : profile.arch_map)
        json["archMap"].push_back({ { "architecture", entry.architecture }, { "subArchitectures", entry.sub_architectures } });
    json["syscalls"] = Json::array();
    for (const auto& rule : profile.rules) {
        Json entry { { "names", rule.names }, { "action", action_name(rule.action) }, { "args", Json::array() },
            { "includes", condition_json(rule.includes) }, { "excludes", condition_json(rule.excludes) } };
        if (rule.errno_ret)
            entry["errnoRet"] = *rule.errno_ret;
        for (const auto& argument : rule.args)
            entry["args"].push_back({ { "index", argument.index }, { "value", argument.value }, { "valueTwo", argument.value_two },
                { "op", operator_name(argument.op) } });
        json["syscalls"].push_back(entry);
    }
    return json.dump();
}

void check_condition(const SeccompCondition& condition)
{
    if (condition.min_kernel) {
        auto [major, minor] = *condition.min_kernel;
        check(major < 256 && minor < 256 && (major || minor), "a minKernel out of range accepted");
    }
}

}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = parse_seccomp_profile(text);
    if (!parsed.ok()) {
        check(!parsed.error().message().empty(), "an error without a message");
        return 0;
    }
    const auto& profile = parsed.value();
    check(profile.architectures.empty() || profile.arch_map.empty(), "both architectures and archMap accepted");
    for (const auto& rule : profile.rules) {
        check(!rule.names.empty(), "a rule without a system call accepted");
        for (const auto& argument : rule.args)
            check(argument.index <= 5, "an argument index past 5 accepted");
        check_condition(rule.includes);
        check_condition(rule.excludes);
    }

    auto again = parse_seccomp_profile(serialise(profile));
    check(again.ok(), "the profile written back out does not parse");
    check(again.value() == profile, "the profile written back out parses differently");

    auto host = seccomp_host(0);
    check(host.ok(), "this host has no seccomp architecture");
    for (uint64_t capabilities : { uint64_t(0), ~uint64_t(0) }) {
        host.value().capabilities = capabilities;
        auto rules = applicable_rules(profile, host.value());
        check(rules.size() <= profile.rules.size(), "more rules apply than the profile has");
        for (const auto& rule : rules)
            check(std::find(profile.rules.begin(), profile.rules.end(), rule) != profile.rules.end(), "a rule that the profile lacks applies");
    }
    // libseccomp's compilation grows with the names; a few dozen keep each run quick.
    size_t names = 0;
    for (const auto& rule : profile.rules)
        names += rule.names.size();
    if (names <= 64) {
        auto program = compile_seccomp(profile, host.value());
        if (program.ok())
            check(!program.value().instructions.empty() && program.value().instructions.size() <= BPF_MAXINSNS, "a filter the kernel would not take");
        else
            check(!program.error().message().empty(), "a compile error without a message");
    }
    return 0;
}
