#include "boot/long_mode.h"

#include "boot/layout.h"

#include <array>

namespace vmlet {

// Intel SDM vol. 3, 2.5 (CR0, CR4) and 2.2.1 (EFER).
constexpr uint64_t kCr0ProtectionEnable = 1ull << 0;
constexpr uint64_t kCr0ExtensionType = 1ull << 4;
constexpr uint64_t kCr0Paging = 1ull << 31;
constexpr uint64_t kCr4Pae = 1ull << 5;
constexpr uint64_t kEferLme = 1ull << 8;
constexpr uint64_t kEferLma = 1ull << 10;
constexpr uint64_t kRflagsReserved = 1ull << 1;

// Descriptor flags: access byte (P, DPL, S, type) and the G/D/L nibble.
constexpr uint16_t kCode64Flags = 0xa09b;  // G, L, present, code execute/read accessed
constexpr uint16_t kCode32Flags = 0xc09b;  // G, D, present, code execute/read accessed
constexpr uint16_t kDataFlags = 0xc093;    // G, B, present, data read/write accessed
constexpr uint16_t kTaskFlags = 0x808b;    // G, present, busy TSS

constexpr uint64_t kPageTablePresentWritable = 0x3;
constexpr uint64_t kPageDirectoryLargePage = 0x83;

uint64_t encode_gdt_entry(uint16_t flags, uint32_t base, uint32_t limit)
{
    return ((uint64_t(base) & 0xff000000) << 32) | ((uint64_t(base) & 0x00ffffff) << 16)
        | (uint64_t(limit) & 0x0000ffff) | ((uint64_t(limit) & 0x000f0000) << 32)
        | ((uint64_t(flags) & 0xf0ff) << 40);
}

SegmentState decode_gdt_entry(uint64_t entry, uint16_t selector)
{
    SegmentState segment {};
    segment.base = ((entry >> 16) & 0x00ffffff) | ((entry >> 32) & 0xff000000);
    uint32_t raw_limit = uint32_t((entry & 0xffff) | ((entry >> 32) & 0xf0000));
    segment.granularity = (entry >> 55) & 1;
    segment.limit = segment.granularity ? (raw_limit << 12) | 0xfff : raw_limit;
    segment.selector = selector;
    segment.type = uint8_t((entry >> 40) & 0xf);
    segment.system_or_code_data = (entry >> 44) & 1;
    segment.dpl = uint8_t((entry >> 45) & 3);
    segment.present = (entry >> 47) & 1;
    segment.long_mode = (entry >> 53) & 1;
    segment.default_big = (entry >> 54) & 1;
    return segment;
}

static Result<void> write_identity_page_tables(const GuestMemory& memory)
{
    TRY(memory.write_object(GuestAddress(layout::kPml4Address), layout::kPdptAddress | kPageTablePresentWritable));
    TRY(memory.write_object(GuestAddress(layout::kPdptAddress), layout::kPdAddress | kPageTablePresentWritable));
    std::array<uint64_t, 512> directory {};
    for (uint64_t index = 0; index < directory.size(); ++index)
        directory[index] = (index << 21) | kPageDirectoryLargePage;
    return memory.write_object(GuestAddress(layout::kPdAddress), directory);
}

Result<BootCpuState> setup_boot_cpu(const GuestMemory& memory, const LoadedKernel& kernel, uint64_t boot_info)
{
    bool pvh = kernel.protocol == EntryProtocol::Pvh;
    const std::array<uint64_t, 5> gdt {
        0,
        0,
        encode_gdt_entry(pvh ? kCode32Flags : kCode64Flags, 0, 0xfffff),
        encode_gdt_entry(kDataFlags, 0, 0xfffff),
        encode_gdt_entry(kTaskFlags, 0, 0xfffff),
    };
    TRY(memory.write_object(GuestAddress(layout::kGdtAddress), gdt));
    TRY(memory.write_object(GuestAddress(layout::kIdtAddress), uint64_t(0)));

    BootCpuState state {};
    state.rip = kernel.entry;
    state.rflags = kRflagsReserved;
    state.code = decode_gdt_entry(gdt[2], kBootCodeSelector);
    state.data = decode_gdt_entry(gdt[3], kBootDataSelector);
    state.task = decode_gdt_entry(gdt[4], kBootTaskSelector);
    state.gdt_base = layout::kGdtAddress;
    state.gdt_limit = sizeof(gdt) - 1;
    state.idt_base = layout::kIdtAddress;
    state.idt_limit = sizeof(uint64_t) - 1;

    if (pvh) {
        // Xen PVH boot ABI (docs/misc/pvh.pandoc): flat 32-bit protected mode, paging off.
        state.rbx = boot_info;
        state.cr0 = kCr0ProtectionEnable | kCr0ExtensionType;
        return state;
    }
    // boot.rst, 64-bit boot protocol: long mode with the kernel, boot_params and command line
    // identity-mapped, and RSI pointing at boot_params.
    TRY(write_identity_page_tables(memory));
    state.rsi = boot_info;
    state.rsp = layout::kBootStackPointer;
    state.cr0 = kCr0ProtectionEnable | kCr0ExtensionType | kCr0Paging;
    state.cr3 = layout::kPml4Address;
    state.cr4 = kCr4Pae;
    state.efer = kEferLme | kEferLma;
    return state;
}

}
