#include "vmm/sandbox/seccomp_filter.h"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>

namespace vmlet {

namespace {

// Where the fields of struct seccomp_data lie; x86-64 is little-endian, so an argument's low
// half comes first.
constexpr uint32_t kNumberOffset = offsetof(seccomp_data, nr);
constexpr uint32_t kArchOffset = offsetof(seccomp_data, arch);
constexpr uint32_t argument_offset(uint8_t index) { return uint32_t(offsetof(seccomp_data, args) + index * sizeof(uint64_t)); }

// A program being written. Conditional jumps here only ever skip the one next instruction; the
// longer ones are BPF_JA, whose offset is 32 bits where a conditional jump's is 8, so a long list
// cannot outgrow them.
class Assembler {
public:
    // The BPF_JA instructions that wait for a label's place.
    using Label = std::vector<size_t>;

    void load(uint32_t offset) { emit(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset)); }
    void mask(uint32_t bits) { emit(BPF_STMT(BPF_ALU | BPF_AND | BPF_K, bits)); }
    void ret(uint32_t action) { emit(BPF_STMT(BPF_RET | BPF_K, action)); }
    void skip_next_if_equal(uint32_t value) { emit(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, value, 1, 0)); }
    void skip_next_if_below(uint32_t value) { emit(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, value, 0, 1)); }
    void jump(Label& label)
    {
        label.push_back(m_code.size());
        emit(BPF_STMT(BPF_JMP | BPF_JA, 0));
    }
    void bind(Label& label)
    {
        for (size_t from : label)
            m_code[from].k = uint32_t(m_code.size() - from - 1);
        label.clear();
    }
    std::vector<sock_filter> take() { return std::move(m_code); }

private:
    void emit(sock_filter instruction) { m_code.push_back(instruction); }
    std::vector<sock_filter> m_code;
};

using Entry = std::pair<const uint32_t, std::optional<std::vector<ArgumentRule>>>;

// The call is this entry's: allowed outright, or if one of its rules holds.
void emit_rules(Assembler& code, const Entry& entry)
{
    if (!entry.second) {
        code.ret(SECCOMP_RET_ALLOW);
        return;
    }
    for (const auto& rule : *entry.second) {
        Assembler::Label next_rule;
        for (const auto& check : rule) {
            code.load(argument_offset(check.index));
            if (check.mask != 0xffffffff)
                code.mask(check.mask);
            code.skip_next_if_equal(check.value & check.mask);
            code.jump(next_rule);
        }
        code.ret(SECCOMP_RET_ALLOW);
        code.bind(next_rule);
    }
    code.ret(SECCOMP_RET_KILL_PROCESS);
}

// The call's number is in the accumulator and, if anywhere, among `entries` (sorted): halve the
// range until one is left. A number past every entry (x32's, with bit 30 set) is found nowhere.
void emit_search(Assembler& code, std::span<const Entry* const> entries)
{
    if (entries.empty()) {
        code.ret(SECCOMP_RET_KILL_PROCESS);
        return;
    }
    if (entries.size() == 1) {
        code.skip_next_if_equal(entries[0]->first);
        code.ret(SECCOMP_RET_KILL_PROCESS);
        emit_rules(code, *entries[0]);
        return;
    }
    size_t middle = entries.size() / 2;
    Assembler::Label upper_half;
    code.skip_next_if_below(entries[middle]->first);
    code.jump(upper_half);
    emit_search(code, entries.first(middle));
    code.bind(upper_half);
    emit_search(code, entries.subspan(middle));
}

}

SeccompFilter& SeccompFilter::allow(int syscall)
{
    m_syscalls[uint32_t(syscall)] = std::nullopt;
    return *this;
}

SeccompFilter& SeccompFilter::allow_if(int syscall, std::vector<ArgumentRule> rules)
{
    auto [entry, added] = m_syscalls.try_emplace(uint32_t(syscall), std::vector<ArgumentRule>());
    if (entry->second)
        entry->second->insert(entry->second->end(), rules.begin(), rules.end());
    return *this;
}

SeccompFilter& SeccompFilter::allow_if_argument(int syscall, uint8_t index, std::initializer_list<uint32_t> values, uint32_t mask)
{
    std::vector<ArgumentRule> rules;
    for (uint32_t value : values)
        rules.push_back({ { index, value, mask } });
    return allow_if(syscall, std::move(rules));
}

std::vector<sock_filter> SeccompFilter::compile() const
{
    Assembler code;
    code.load(kArchOffset);
    code.skip_next_if_equal(AUDIT_ARCH_X86_64);
    code.ret(SECCOMP_RET_KILL_PROCESS);
    code.load(kNumberOffset);
    std::vector<const Entry*> entries;
    for (const auto& entry : m_syscalls)
        entries.push_back(&entry);
    emit_search(code, entries);
    return code.take();
}

Result<void> install_seccomp_filter(std::span<const sock_filter> program)
{
    if (program.size() > BPF_MAXINSNS)
        return make_error("a seccomp filter of {} instructions is longer than the kernel takes ({})", program.size(), BPF_MAXINSNS);
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return errno_error("prctl(PR_SET_NO_NEW_PRIVS)");
    sock_fprog fprog { .len = static_cast<unsigned short>(program.size()), .filter = const_cast<sock_filter*>(program.data()) };
    // glibc has no wrapper for seccomp(2).
    if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0)
        return errno_error("seccomp(SECCOMP_SET_MODE_FILTER)");
    return {};
}

}
