#pragma once

#include <cstdint>

namespace vmlet {

// A segment register as the CPU caches it (Intel SDM vol. 3, 3.4.5), without KVM's types.
struct SegmentState {
    uint64_t base;
    uint32_t limit; // in bytes, already scaled by the granularity bit
    uint16_t selector;
    uint8_t type;
    uint8_t dpl;
    bool present;
    bool system_or_code_data; // the S bit: set for code and data segments
    bool default_big;         // D/B
    bool long_mode;           // L
    bool granularity;         // G
};

// The register state the boot vCPU starts in, as the chosen boot protocol requires.
struct BootCpuState {
    uint64_t rip;
    uint64_t rsp;
    uint64_t rsi;
    uint64_t rbx;
    uint64_t rflags;
    uint64_t cr0;
    uint64_t cr3;
    uint64_t cr4;
    uint64_t efer;
    SegmentState code;
    SegmentState data; // loaded into DS, ES, FS, GS and SS
    SegmentState task;
    uint64_t gdt_base;
    uint16_t gdt_limit;
    uint64_t idt_base;
    uint16_t idt_limit;
};

}
