#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vmlet {

// A seccomp profile in the shape of moby's JSON format (moby profiles/seccomp, which extends the
// OCI runtime spec's linux.seccomp, config-linux.md "Seccomp"): a default action, and rules that
// apply only for some architectures, capabilities or kernels. Docker's default profile is written
// out in seccomp_default.h; a user's comes from its JSON (seccomp_json.h); seccomp_filter.h makes
// either a filter for one container.

// What a rule does to a matching system call (seccomp(2), "Filter return values").
enum class SeccompAction { KillThread, KillProcess, Trap, Errno, Trace, Allow, Log };

// A comparison of one system-call argument (libseccomp's SCMP_CMP_*); MaskedEqual compares
// (arg & value) with value_two.
struct SeccompArgument {
    enum class Op { NotEqual, Less, LessOrEqual, Equal, GreaterOrEqual, Greater, MaskedEqual };
    unsigned index { 0 }; // 0 to 5
    uint64_t value { 0 };
    uint64_t value_two { 0 };
    Op op { Op::Equal };

    bool operator==(const SeccompArgument&) const = default;
};

// When a rule applies: every capability listed is in the container's set, the native
// architecture (moby's names: amd64, x86, arm64...) is among `arches`, the kernel is at least
// `min_kernel`. For excludes, any one of them holding leaves the rule out.
struct SeccompCondition {
    std::vector<std::string> caps {};   // "CAP_SYS_ADMIN"
    std::vector<std::string> arches {};
    std::optional<std::pair<unsigned, unsigned>> min_kernel {}; // (major, minor): "4.8"

    bool operator==(const SeccompCondition&) const = default;
};

struct SeccompRule {
    std::vector<std::string> names;        // system calls, by libseccomp's names
    SeccompAction action { SeccompAction::Allow };
    std::optional<uint32_t> errno_ret {};  // Errno's errno (EPERM when absent), Trace's message
    std::vector<SeccompArgument> args {};  // all must hold
    SeccompCondition includes {};
    SeccompCondition excludes {};

    bool operator==(const SeccompRule&) const = default;
};

// An architecture and those whose system calls its processes can also make (x86_64: x86, x32).
struct SeccompArchitectures {
    std::string architecture;               // "SCMP_ARCH_X86_64"
    std::vector<std::string> sub_architectures {};

    bool operator==(const SeccompArchitectures&) const = default;
};

struct SeccompProfile {
    SeccompAction default_action { SeccompAction::Allow };
    std::optional<uint32_t> default_errno {};
    // Either the filter's architectures ("architectures") or, per native architecture, which to
    // add ("archMap"); neither: the native one alone.
    std::vector<std::string> architectures {};
    std::vector<SeccompArchitectures> arch_map {};
    std::vector<std::string> flags {};      // "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"
    std::vector<SeccompRule> rules {};

    bool operator==(const SeccompProfile&) const = default;
};

// What a profile's conditions are checked against.
struct SeccompHost {
    std::string arch;            // the native architecture in moby's names: "amd64"
    std::string scmp_arch;       // and in libseccomp's: "SCMP_ARCH_X86_64"
    uint64_t capabilities { 0 }; // the container's set (capabilities.h)
    std::pair<unsigned, unsigned> kernel { 0, 0 };
};

// The rules of `profile` that apply on `host`, in order (moby's setupSeccomp).
std::vector<SeccompRule> applicable_rules(const SeccompProfile& profile, const SeccompHost& host);

// The architectures the filter covers on `host`: "architectures", else the archMap entry of the
// native one with its sub-architectures, in libseccomp's SCMP_ARCH_* names.
std::vector<std::string> filter_architectures(const SeccompProfile& profile, const SeccompHost& host);

}
