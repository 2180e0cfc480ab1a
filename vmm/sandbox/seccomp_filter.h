#pragma once

#include "vmm/base/result.h"

#include <linux/filter.h>

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

namespace vmlet {

// One test of a system call argument: (args[index] & mask) == value, on the argument's low 32
// bits. Every argument checked here is an int or unsigned int to the kernel (ioctl's request,
// tgkill's pid and signal, socket's family, fallocate's mode, madvise's advice, futex's operation,
// mmap's protection bits), which reads only those bits, so the upper half is never looked at.
struct ArgumentCheck {
    uint8_t index;
    uint32_t value;
    uint32_t mask { 0xffffffff };
};

// Checks that allow a call when they all hold.
using ArgumentRule = std::vector<ArgumentCheck>;

// An allowlist of x86-64 system calls, compiled to the classic BPF that seccomp(2) runs on every
// system call of a thread (Documentation/userspace-api/seccomp_filter.rst): a call whose number is
// not on the list, or whose arguments match none of its rules, kills the whole process
// (SECCOMP_RET_KILL_PROCESS, which the kernel logs: "audit: type=1326 ... syscall=N").
class SeccompFilter {
public:
    // Allowed whatever its arguments.
    SeccompFilter& allow(int syscall);
    // Allowed when one of `rules` holds. Rules add up over calls; allow() makes any hold.
    SeccompFilter& allow_if(int syscall, std::vector<ArgumentRule> rules);
    // Allowed when argument `index`, masked, is one of `values`.
    SeccompFilter& allow_if_argument(int syscall, uint8_t index, std::initializer_list<uint32_t> values, uint32_t mask = 0xffffffff);

    // The program: the architecture checked (a 32-bit int 0x80 call has other numbers), then the
    // call's number found in the sorted list by binary search, then its rules tried in order.
    std::vector<sock_filter> compile() const;

private:
    // By number; nullopt: any arguments.
    std::map<uint32_t, std::optional<std::vector<ArgumentRule>>> m_syscalls;
};

// Installs `program` on the calling thread only: each kind of thread has its own (seccomp(2),
// no SECCOMP_FILTER_FLAG_TSYNC), and threads it starts afterwards inherit it. Sets no_new_privs
// first, which an unprivileged caller needs and a privileged one loses nothing by.
Result<void> install_seccomp_filter(std::span<const sock_filter> program);

}
