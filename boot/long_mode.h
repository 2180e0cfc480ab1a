#pragma once

#include "boot/cpu_state.h"
#include "boot/kernel_image.h"
#include "vmm/base/result.h"
#include "vmm/memory/guest_memory.h"

namespace vmlet {

// Selectors of vmlet's boot GDT. boot.rst's 64-bit protocol requires __BOOT_CS = 0x10 and
// __BOOT_DS = 0x18; the PVH entry reuses the same slots with a 32-bit code segment.
constexpr uint16_t kBootCodeSelector = 0x10;
constexpr uint16_t kBootDataSelector = 0x18;
constexpr uint16_t kBootTaskSelector = 0x20;

// Encodes one GDT descriptor from the packed flags/access word used below (access byte in bits
// 0-7, AVL/L/D/G in bits 12-15), a base and a 20-bit limit.
uint64_t encode_gdt_entry(uint16_t flags, uint32_t base, uint32_t limit);
SegmentState decode_gdt_entry(uint64_t entry, uint16_t selector);

// Writes the GDT and an empty IDT, plus identity-mapped page tables for the 64-bit protocol, and
// returns the boot vCPU's registers for entering `kernel` with `boot_info` (boot_params or
// hvm_start_info) as its argument.
Result<BootCpuState> setup_boot_cpu(const GuestMemory& memory, const LoadedKernel& kernel, uint64_t boot_info);

}
