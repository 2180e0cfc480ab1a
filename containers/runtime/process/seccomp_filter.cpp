#include "containers/runtime/process/seccomp_filter.h"

#include "vmm/base/file.h"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <memory>

namespace vmlet {

namespace {

// The architectures vmlet runs on, in libseccomp's numbers and names and in moby's (its goToNative).
struct Architecture {
    uint32_t number;
    const char* scmp;
    const char* moby;
};
constexpr Architecture native_architectures[] {
    { SCMP_ARCH_X86_64, "SCMP_ARCH_X86_64", "amd64" }, { SCMP_ARCH_X86, "SCMP_ARCH_X86", "x86" },
    { SCMP_ARCH_AARCH64, "SCMP_ARCH_AARCH64", "arm64" }, { SCMP_ARCH_ARM, "SCMP_ARCH_ARM", "arm" },
    { SCMP_ARCH_PPC64LE, "SCMP_ARCH_PPC64LE", "ppc64le" }, { SCMP_ARCH_S390X, "SCMP_ARCH_S390X", "s390x" },
    { SCMP_ARCH_RISCV64, "SCMP_ARCH_RISCV64", "riscv64" },
};

// The kernel takes at most BPF_MAXINSNS instructions in one filter (kernel/seccomp.c).
constexpr size_t kMaxInstructions = BPF_MAXINSNS;

using Context = std::unique_ptr<void, decltype(&seccomp_release)>;

// libseccomp's token for SCMP_ARCH_X86_64 is "x86_64".
Result<uint32_t> architecture(const std::string& name)
{
    constexpr std::string_view prefix = "SCMP_ARCH_";
    std::string token = name.starts_with(prefix) ? name.substr(prefix.size()) : name;
    std::transform(token.begin(), token.end(), token.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    uint32_t arch = seccomp_arch_resolve_name(token.c_str());
    if (arch == 0)
        return make_error("unknown seccomp architecture {}", name);
    return arch;
}

Result<uint32_t> action(SeccompAction action, std::optional<uint32_t> errno_ret)
{
    uint32_t value = errno_ret.value_or(EPERM);
    switch (action) {
    case SeccompAction::KillThread:
        return SCMP_ACT_KILL_THREAD;
    case SeccompAction::KillProcess:
        return SCMP_ACT_KILL_PROCESS;
    case SeccompAction::Trap:
        return SCMP_ACT_TRAP;
    case SeccompAction::Errno:
        return SCMP_ACT_ERRNO(value);
    case SeccompAction::Trace:
        return SCMP_ACT_TRACE(value);
    case SeccompAction::Allow:
        return SCMP_ACT_ALLOW;
    case SeccompAction::Log:
        return SCMP_ACT_LOG;
    }
    return make_error("unknown seccomp action");
}

scmp_compare comparison(SeccompArgument::Op op)
{
    switch (op) {
    case SeccompArgument::Op::NotEqual:
        return SCMP_CMP_NE;
    case SeccompArgument::Op::Less:
        return SCMP_CMP_LT;
    case SeccompArgument::Op::LessOrEqual:
        return SCMP_CMP_LE;
    case SeccompArgument::Op::Equal:
        return SCMP_CMP_EQ;
    case SeccompArgument::Op::GreaterOrEqual:
        return SCMP_CMP_GE;
    case SeccompArgument::Op::Greater:
        return SCMP_CMP_GT;
    case SeccompArgument::Op::MaskedEqual:
        return SCMP_CMP_MASKED_EQ;
    }
    return SCMP_CMP_EQ;
}

Result<unsigned> load_flags(const std::vector<std::string>& flags)
{
    unsigned value = 0;
    for (const auto& flag : flags) {
        if (flag == "SECCOMP_FILTER_FLAG_LOG")
            value |= SECCOMP_FILTER_FLAG_LOG;
        else if (flag == "SECCOMP_FILTER_FLAG_SPEC_ALLOW")
            value |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
        else
            return make_error("the seccomp flag {} is not supported (SECCOMP_FILTER_FLAG_LOG and SECCOMP_FILTER_FLAG_SPEC_ALLOW are)", flag);
    }
    return value;
}

Result<void> add_rule(const Context& context, const SeccompRule& rule, uint32_t default_action)
{
    auto rule_action = TRY(action(rule.action, rule.errno_ret));
    if (rule_action == default_action)
        return {};
    std::vector<scmp_arg_cmp> comparisons;
    for (const auto& argument : rule.args) {
        if (argument.index > 5)
            return make_error("a seccomp rule for {} compares argument {}: system calls have six", rule.names.front(), argument.index);
        comparisons.push_back({ .arg = argument.index, .op = comparison(argument.op), .datum_a = argument.value, .datum_b = argument.value_two });
    }
    for (const auto& name : rule.names) {
        int number = seccomp_syscall_resolve_name(name.c_str());
        if (number == __NR_SCMP_ERROR)
            continue;
        int error = seccomp_rule_add_array(context.get(), rule_action, number, static_cast<unsigned>(comparisons.size()), comparisons.data());
        if (error < 0)
            return errno_error(fmt::format("libseccomp refused the seccomp rule for {}", name), -error);
    }
    return {};
}

Result<std::vector<sock_filter>> export_program(const Context& context)
{
    UniqueFd memory(::memfd_create("vmlet-seccomp", MFD_CLOEXEC));
    if (!memory.valid())
        return errno_error("memfd_create");
    int error = seccomp_export_bpf(context.get(), memory.get());
    if (error < 0)
        return errno_error("libseccomp could not export the seccomp filter", -error);
    auto size = ::lseek(memory.get(), 0, SEEK_END);
    if (size < 0 || size % sizeof(sock_filter) != 0)
        return make_error("libseccomp exported a seccomp filter of {} bytes", size);
    std::vector<sock_filter> instructions(static_cast<size_t>(size) / sizeof(sock_filter));
    if (::pread(memory.get(), instructions.data(), static_cast<size_t>(size), 0) != size)
        return errno_error("reading the exported seccomp filter");
    return instructions;
}

}

bool SeccompProgram::operator==(const SeccompProgram& other) const
{
    return flags == other.flags && instructions.size() == other.instructions.size()
        && std::memcmp(instructions.data(), other.instructions.data(), instructions.size() * sizeof(sock_filter)) == 0;
}

Result<SeccompHost> seccomp_host(uint64_t capabilities)
{
    SeccompHost host { .arch = "", .scmp_arch = "", .capabilities = capabilities, .kernel = {} };
    uint32_t native = seccomp_arch_native();
    for (const auto& architecture : native_architectures) {
        if (architecture.number == native) {
            host.arch = architecture.moby;
            host.scmp_arch = architecture.scmp;
        }
    }
    if (host.arch.empty())
        return make_error("vmlet makes no seccomp filters for this architecture (libseccomp's {:#x})", native);
    struct utsname names {};
    ::uname(&names);
    unsigned major = 0, minor = 0;
    if (std::sscanf(names.release, "%u.%u", &major, &minor) != 2)
        return make_error("cannot read the kernel's version from \"{}\"", names.release);
    host.kernel = { major, minor };
    return host;
}

Result<SeccompProgram> compile_seccomp(const SeccompProfile& profile, const SeccompHost& host)
{
    auto default_action = TRY(action(profile.default_action, profile.default_errno));
    Context context(seccomp_init(default_action), seccomp_release);
    if (!context)
        return make_error("libseccomp could not start a filter");
    uint32_t native = seccomp_arch_native();
    for (const auto& name : filter_architectures(profile, host)) {
        auto arch = TRY(architecture(name));
        int error = arch == native ? 0 : seccomp_arch_add(context.get(), arch);
        if (error < 0 && error != -EEXIST)
            return errno_error(fmt::format("libseccomp cannot add the architecture {}", name), -error);
    }
    for (const auto& rule : applicable_rules(profile, host)) {
        if (rule.names.empty())
            return make_error("a seccomp rule names no system call");
        TRY(add_rule(context, rule, default_action));
    }
    SeccompProgram program;
    program.flags = TRY(load_flags(profile.flags));
    program.instructions = TRY(export_program(context));
    if (program.instructions.size() > kMaxInstructions)
        return make_error("the seccomp filter has {} instructions, more than the kernel takes ({})", program.instructions.size(), kMaxInstructions);
    return program;
}

bool load_seccomp(const SeccompProgram& program)
{
    sock_fprog filter { .len = static_cast<unsigned short>(program.instructions.size()),
        .filter = const_cast<sock_filter*>(program.instructions.data()) };
    return ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, program.flags, &filter) == 0;
}

}
