// The seccomp filter builder: its BPF run by a small interpreter here (nothing installed), and
// then installed for real in forked children, which live through allowed calls and die of SIGSYS
// at any other.
#include "vmm/sandbox/seccomp_filter.h"

#include <gtest/gtest.h>

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

using namespace vmlet;

namespace {

// Runs a program on `data` as the kernel would (the instructions the builder emits, and only
// those: anything else fails the test).
uint32_t run(const std::vector<sock_filter>& program, const seccomp_data& data)
{
    uint32_t accumulator = 0;
    for (size_t pc = 0; pc < program.size(); ++pc) {
        const auto& instruction = program[pc];
        switch (instruction.code) {
        case BPF_LD | BPF_W | BPF_ABS: {
            EXPECT_EQ(instruction.k % 4, 0u);
            EXPECT_LE(instruction.k + 4, sizeof data);
            std::memcpy(&accumulator, reinterpret_cast<const uint8_t*>(&data) + instruction.k, 4);
            break;
        }
        case BPF_ALU | BPF_AND | BPF_K:
            accumulator &= instruction.k;
            break;
        case BPF_JMP | BPF_JEQ | BPF_K:
            pc += accumulator == instruction.k ? instruction.jt : instruction.jf;
            break;
        case BPF_JMP | BPF_JGE | BPF_K:
            pc += accumulator >= instruction.k ? instruction.jt : instruction.jf;
            break;
        case BPF_JMP | BPF_JA:
            pc += instruction.k;
            break;
        case BPF_RET | BPF_K:
            return instruction.k;
        default:
            ADD_FAILURE() << "instruction " << pc << " has code " << instruction.code;
            return 0;
        }
    }
    ADD_FAILURE() << "the program ran off its end";
    return 0;
}

seccomp_data call(int number, std::initializer_list<uint64_t> arguments = {}, uint32_t arch = AUDIT_ARCH_X86_64)
{
    seccomp_data data {};
    data.nr = number;
    data.arch = arch;
    size_t index = 0;
    for (uint64_t argument : arguments)
        data.args[index++] = argument;
    return data;
}

constexpr uint32_t kKill = SECCOMP_RET_KILL_PROCESS;
constexpr uint32_t kAllow = SECCOMP_RET_ALLOW;

}

TEST(SeccompFilter, AllowsListedCallsAndKillsOnEveryOther)
{
    auto program = SeccompFilter().allow(SYS_read).allow(SYS_write).allow(SYS_exit_group).compile();
    EXPECT_EQ(run(program, call(SYS_read)), kAllow);
    EXPECT_EQ(run(program, call(SYS_write)), kAllow);
    EXPECT_EQ(run(program, call(SYS_exit_group)), kAllow);
    EXPECT_EQ(run(program, call(SYS_open)), kKill) << "between two allowed numbers";
    EXPECT_EQ(run(program, call(SYS_execve)), kKill);
    EXPECT_EQ(run(program, call(SYS_seccomp)), kKill) << "past the last allowed number";
}

TEST(SeccompFilter, KillsCallsOfAnotherArchitectureOrTheX32Abi)
{
    auto program = SeccompFilter().allow(SYS_read).allow(SYS_write).compile();
    // An int 0x80 call from a 64-bit process: i386 numbers (3 is read there, 0 restart_syscall).
    EXPECT_EQ(run(program, call(SYS_write, {}, AUDIT_ARCH_I386)), kKill);
    // x32 calls come with the x86-64 architecture and bit 30 set in the number.
    EXPECT_EQ(run(program, call(__X32_SYSCALL_BIT | SYS_write)), kKill);
}

TEST(SeccompFilter, FindsEveryNumberOfALongList)
{
    // Every third number up to 450 allowed: the binary search must find each of them and nothing
    // in between, whatever the tree's shape.
    SeccompFilter filter;
    for (int number = 0; number < 450; number += 3)
        filter.allow(number);
    auto program = filter.compile();
    EXPECT_LE(program.size(), size_t(BPF_MAXINSNS));
    for (int number = 0; number < 500; ++number)
        EXPECT_EQ(run(program, call(number)), number < 450 && number % 3 == 0 ? kAllow : kKill) << "number " << number;
}

TEST(SeccompFilter, ChecksArguments)
{
    auto program = SeccompFilter()
                       .allow_if_argument(SYS_ioctl, 1, { 0xae80, 0x4004ae86 })
                       .allow_if(SYS_tgkill, { { { 0, 42 }, { 2, SIGUSR1 } } })
                       .allow_if_argument(SYS_mmap, 2, { 0 }, PROT_EXEC)
                       .compile();
    EXPECT_EQ(run(program, call(SYS_ioctl, { 5, 0xae80 })), kAllow);
    EXPECT_EQ(run(program, call(SYS_ioctl, { 5, 0x4004ae86 })), kAllow);
    EXPECT_EQ(run(program, call(SYS_ioctl, { 5, 0xae81 })), kKill);
    // The kernel reads ioctl's request as an unsigned int, as the filter does.
    EXPECT_EQ(run(program, call(SYS_ioctl, { 5, 0xffffffff0000ae80 })), kAllow);
    // Every check of a rule must hold.
    EXPECT_EQ(run(program, call(SYS_tgkill, { 42, 7, SIGUSR1 })), kAllow);
    EXPECT_EQ(run(program, call(SYS_tgkill, { 43, 7, SIGUSR1 })), kKill);
    EXPECT_EQ(run(program, call(SYS_tgkill, { 42, 7, SIGKILL })), kKill);
    // A mask: any protection but PROT_EXEC.
    EXPECT_EQ(run(program, call(SYS_mmap, { 0, 4096, PROT_READ | PROT_WRITE })), kAllow);
    EXPECT_EQ(run(program, call(SYS_mmap, { 0, 4096, PROT_READ | PROT_EXEC })), kKill);
}

TEST(SeccompFilter, AnUnconditionalAllowOutweighsRules)
{
    auto program = SeccompFilter().allow_if_argument(SYS_ioctl, 1, { 1 }).allow(SYS_ioctl).compile();
    EXPECT_EQ(run(program, call(SYS_ioctl, { 0, 2 })), kAllow);
    auto reversed = SeccompFilter().allow(SYS_ioctl).allow_if_argument(SYS_ioctl, 1, { 1 }).compile();
    EXPECT_EQ(run(reversed, call(SYS_ioctl, { 0, 2 })), kAllow);
}

TEST(SeccompFilter, AnEmptyListAllowsNothing)
{
    auto program = SeccompFilter().compile();
    EXPECT_EQ(run(program, call(SYS_read)), kKill);
    EXPECT_EQ(run(program, call(0)), kKill);
}

namespace {

// Forks a child that installs `program` and then runs `body`; returns its wait status. The filter
// is compiled before the fork (the child of a threaded test only makes system calls).
int run_filtered_child(const std::vector<sock_filter>& program, void (*body)())
{
    pid_t child = ::fork();
    if (child == 0) {
        ::prctl(PR_SET_DUMPABLE, 0); // no core file for the kill that some children expect
        if (!install_seccomp_filter(program).ok())
            ::_exit(100);
        body();
        ::syscall(SYS_exit_group, 0);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return status;
}

std::vector<sock_filter> child_filter()
{
    return SeccompFilter().allow(SYS_getppid).allow(SYS_exit_group).allow_if_argument(SYS_ioctl, 1, { FIONREAD }).compile();
}

}

TEST(SeccompFilterInstalled, AChildLivesThroughAllowedCalls)
{
    int status = run_filtered_child(child_filter(), [] {
        ::syscall(SYS_getppid);
        int count = 0;
        ::syscall(SYS_ioctl, 0, FIONREAD, &count);
    });
    ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
    EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(SeccompFilterInstalled, ACallOffTheListKillsTheChildWithSigsys)
{
    int status = run_filtered_child(child_filter(), [] {
        ::syscall(SYS_getppid);
        ::syscall(SYS_getuid);
    });
    ASSERT_TRUE(WIFSIGNALED(status)) << "status " << status;
    EXPECT_EQ(WTERMSIG(status), SIGSYS);
}

TEST(SeccompFilterInstalled, AnAllowedCallWithOtherArgumentsKillsTheChild)
{
    int status = run_filtered_child(child_filter(), [] {
        int count = 0;
        ::syscall(SYS_ioctl, 0, FIONBIO, &count);
    });
    ASSERT_TRUE(WIFSIGNALED(status)) << "status " << status;
    EXPECT_EQ(WTERMSIG(status), SIGSYS);
}
