#include "containers/runtime/cgroup/device_filter.h"

#include <cstddef>

namespace vmlet {

namespace {

// The registers the program keeps its input in (R1 holds the context on entry, R0 the result).
constexpr uint8_t context = BPF_REG_1, access = BPF_REG_2, type = BPF_REG_3, major = BPF_REG_4, minor = BPF_REG_5,
                  scratch = BPF_REG_6, result = BPF_REG_0;

bpf_insn instruction(uint8_t code, uint8_t destination, uint8_t source, int16_t offset, int32_t immediate)
{
    bpf_insn insn {};
    insn.code = code;
    insn.dst_reg = destination & 0xf;
    insn.src_reg = source & 0xf;
    insn.off = offset;
    insn.imm = immediate;
    return insn;
}

bpf_insn load_word(uint8_t destination, size_t field)
{
    return instruction(BPF_LDX | BPF_MEM | BPF_W, destination, context, static_cast<int16_t>(field), 0);
}

bpf_insn alu_immediate(uint8_t operation, uint8_t destination, int32_t value)
{
    return instruction(BPF_ALU64 | operation | BPF_K, destination, 0, 0, value);
}

// "if destination != value, skip `skip` instructions" (the jump is relative to the next one).
bpf_insn jump_unless_equal(uint8_t destination, int32_t value, int16_t skip)
{
    return instruction(BPF_JMP | BPF_JNE | BPF_K, destination, 0, skip, value);
}

void return_value(std::vector<bpf_insn>& program, int32_t value)
{
    program.push_back(alu_immediate(BPF_MOV, result, value));
    program.push_back(instruction(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

int32_t device_type(DeviceRule::Type rule_type)
{
    return rule_type == DeviceRule::Type::Block ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
}

// One rule: its tests, each jumping past the rule when it fails, then "return 1".
void add_rule(std::vector<bpf_insn>& program, const DeviceRule& rule)
{
    std::vector<bpf_insn> block;
    std::vector<size_t> exits; // the tests' jumps, aimed past the block once its length is known
    auto require = [&](uint8_t reg, int32_t value) {
        exits.push_back(block.size());
        block.push_back(jump_unless_equal(reg, value, 0));
    };
    if (rule.type != DeviceRule::Type::All)
        require(type, device_type(rule.type));
    if (rule.major)
        require(major, static_cast<int32_t>(*rule.major));
    if (rule.minor)
        require(minor, static_cast<int32_t>(*rule.minor));
    if ((rule.access & DeviceRule::AnyAccess) != DeviceRule::AnyAccess) {
        // The access asked holds no bit the rule lacks: (access & ~rule.access) == 0.
        block.push_back(instruction(BPF_ALU64 | BPF_MOV | BPF_X, scratch, access, 0, 0));
        block.push_back(alu_immediate(BPF_AND, scratch, ~rule.access & DeviceRule::AnyAccess));
        require(scratch, 0);
    }
    return_value(block, 1);
    for (size_t at : exits)
        block[at].off = static_cast<int16_t>(block.size() - at - 1);
    program.insert(program.end(), block.begin(), block.end());
}

}

std::vector<bpf_insn> device_filter_program(std::span<const DeviceRule> rules)
{
    std::vector<bpf_insn> program {
        load_word(access, offsetof(bpf_cgroup_dev_ctx, access_type)),
        instruction(BPF_ALU64 | BPF_MOV | BPF_X, type, access, 0, 0),
        alu_immediate(BPF_AND, type, 0xffff),
        alu_immediate(BPF_RSH, access, 16),
        load_word(major, offsetof(bpf_cgroup_dev_ctx, major)),
        load_word(minor, offsetof(bpf_cgroup_dev_ctx, minor)),
    };
    for (const auto& rule : rules)
        add_rule(program, rule);
    return_value(program, 0);
    return program;
}

}
