// The device allowlist, its v1 text and its v2 program. The program is run here by a small
// interpreter of the few instructions it uses, on the context the kernel would give it
// (struct bpf_cgroup_dev_ctx), so what is checked is what it decides; the kernel's verifier
// accepts it in tests/integration/device_cgroup_test.cpp.
#include "containers/runtime/cgroup/device_filter.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <stdexcept>

namespace vmlet {

namespace {

// Runs `program` on a device access: BPF_DEVCG_ACC_* bits in `access`, BPF_DEVCG_DEV_* in `type`.
// Throws on an instruction it does not know, a jump out of the program or a missing exit.
int64_t run(const std::vector<bpf_insn>& program, uint32_t type, uint32_t access, uint32_t major, uint32_t minor)
{
    bpf_cgroup_dev_ctx context { .access_type = access << 16 | type, .major = major, .minor = minor };
    std::array<uint64_t, 11> regs {};
    for (size_t pc = 0; pc < program.size(); ++pc) {
        const auto& insn = program[pc];
        auto& dst = regs.at(insn.dst_reg);
        uint64_t src = regs.at(insn.src_reg);
        auto imm = static_cast<uint64_t>(static_cast<int64_t>(insn.imm));
        switch (insn.code) {
        case BPF_LDX | BPF_MEM | BPF_W: {
            if (insn.src_reg != BPF_REG_1 || insn.off < 0 || static_cast<size_t>(insn.off) + 4 > sizeof context)
                throw std::runtime_error("a load outside the context");
            uint32_t word;
            std::memcpy(&word, reinterpret_cast<const char*>(&context) + insn.off, 4);
            dst = word;
            break;
        }
        case BPF_ALU64 | BPF_MOV | BPF_X:
            dst = src;
            break;
        case BPF_ALU64 | BPF_MOV | BPF_K:
            dst = imm;
            break;
        case BPF_ALU64 | BPF_AND | BPF_K:
            dst &= imm;
            break;
        case BPF_ALU64 | BPF_RSH | BPF_K:
            dst >>= insn.imm;
            break;
        case BPF_JMP | BPF_JNE | BPF_K:
            if (dst != imm)
                pc += static_cast<size_t>(insn.off);
            if (pc + 1 >= program.size())
                throw std::runtime_error("a jump past the end");
            break;
        case BPF_JMP | BPF_EXIT:
            return static_cast<int64_t>(regs[BPF_REG_0]);
        default:
            throw std::runtime_error("an instruction the interpreter does not know");
        }
    }
    throw std::runtime_error("no exit");
}

constexpr uint32_t kChar = BPF_DEVCG_DEV_CHAR, kBlock = BPF_DEVCG_DEV_BLOCK;
constexpr uint32_t kRead = BPF_DEVCG_ACC_READ, kWrite = BPF_DEVCG_ACC_WRITE, kMknod = BPF_DEVCG_ACC_MKNOD;

}

TEST(DeviceRules, TheDefaultsAsTheV1ControllerTakesThem)
{
    std::vector<std::string> lines;
    for (const auto& rule : default_device_rules())
        lines.push_back(device_rule_text(rule));
    EXPECT_EQ(lines, (std::vector<std::string> { "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm",
                         "c 5:2 rwm", "c 136:* rwm" }));
    EXPECT_EQ(device_rule_text({ .type = DeviceRule::Type::All, .major = {}, .minor = {}, .access = DeviceRule::Mknod }), "a *:* m");
    EXPECT_EQ(device_rule_text({ .type = DeviceRule::Type::Block, .major = 8, .minor = {}, .access = DeviceRule::Read | DeviceRule::Write }),
        "b 8:* rw");
}

TEST(DeviceFilter, TheDefaultProgramAllowsTheDefaultDevicesOnly)
{
    auto program = device_filter_program(default_device_rules());
    for (uint32_t minor : { 3u, 5u, 7u, 8u, 9u })
        EXPECT_EQ(run(program, kChar, kRead | kWrite, 1, minor), 1) << "1:" << minor;
    EXPECT_EQ(run(program, kChar, kMknod, 1, 3), 1);
    EXPECT_EQ(run(program, kChar, kRead | kWrite, 5, 0), 1);   // /dev/tty
    EXPECT_EQ(run(program, kChar, kRead | kWrite, 5, 2), 1);   // /dev/ptmx
    EXPECT_EQ(run(program, kChar, kRead | kWrite, 136, 0), 1); // /dev/pts/0
    EXPECT_EQ(run(program, kChar, kRead, 136, 4095), 1);
    // The host's disk, as a node made or found; /dev/mem, /dev/kmsg, /dev/console, a fuse device.
    EXPECT_EQ(run(program, kBlock, kRead, 8, 0), 0);
    EXPECT_EQ(run(program, kBlock, kMknod, 254, 0), 0);
    EXPECT_EQ(run(program, kChar, kRead, 1, 1), 0);
    EXPECT_EQ(run(program, kChar, kRead, 1, 11), 0);
    EXPECT_EQ(run(program, kChar, kWrite, 5, 1), 0);
    EXPECT_EQ(run(program, kChar, kRead | kWrite, 10, 229), 0);
    // A block device with the numbers of an allowed character device.
    EXPECT_EQ(run(program, kBlock, kRead, 1, 3), 0);
}

TEST(DeviceFilter, RulesWithWildcardsAndPartialAccess)
{
    std::vector<DeviceRule> rules {
        { .type = DeviceRule::Type::Block, .major = 7, .minor = {}, .access = DeviceRule::Read },
        { .type = DeviceRule::Type::Char, .major = {}, .minor = {}, .access = DeviceRule::Mknod },
    };
    auto program = device_filter_program(rules);
    EXPECT_EQ(run(program, kBlock, kRead, 7, 12), 1);
    EXPECT_EQ(run(program, kBlock, kRead | kWrite, 7, 12), 0); // the rule lacks w
    EXPECT_EQ(run(program, kBlock, kWrite, 7, 12), 0);
    EXPECT_EQ(run(program, kBlock, kRead, 8, 0), 0);
    EXPECT_EQ(run(program, kChar, kMknod, 42, 42), 1);
    EXPECT_EQ(run(program, kChar, kRead | kMknod, 42, 42), 0);
    EXPECT_EQ(run(program, kBlock, kMknod, 42, 42), 0);

    // "a *:* rwm" allows all; no rule denies all.
    auto all = device_filter_program(std::vector<DeviceRule> { DeviceRule {} });
    EXPECT_EQ(run(all, kBlock, kRead | kWrite | kMknod, 8, 0), 1);
    EXPECT_EQ(run(device_filter_program({}), kChar, kRead, 1, 3), 0);
}

TEST(DeviceFilter, LoadsTheContextAsTheKernelLaysItOut)
{
    // The first instruction loads access_type, a 32-bit word at offset 0 of the context in R1.
    auto program = device_filter_program({});
    ASSERT_GE(program.size(), 2u);
    EXPECT_EQ(program.front().code, BPF_LDX | BPF_MEM | BPF_W);
    EXPECT_EQ(program.front().src_reg, BPF_REG_1);
    EXPECT_EQ(program.front().off, 0);
    // And the program ends "r0 = 0; exit".
    EXPECT_EQ(program[program.size() - 2].code, BPF_ALU64 | BPF_MOV | BPF_K);
    EXPECT_EQ(program[program.size() - 2].imm, 0);
    EXPECT_EQ(program.back().code, BPF_JMP | BPF_EXIT);
}

}
