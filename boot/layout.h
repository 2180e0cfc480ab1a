#pragma once

#include "vmm/base/checked_math.h"
#include "vmm/memory/guest_memory.h"

#include <cstdint>
#include <vector>

// The x86_64 guest-physical memory map, in one place. Low memory follows the PC conventions the
// Linux boot protocol expects (Documentation/x86/boot.rst); everything vmlet writes for the boot
// lives below 1 MiB.
namespace vmlet::layout {

constexpr uint64_t kGdtAddress = 0x500;
constexpr uint64_t kIdtAddress = 0x520;
constexpr uint64_t kPvhStartInfoAddress = 0x6000;  // hvm_start_info, then its module list and memory map
constexpr uint64_t kZeroPageAddress = 0x7000;      // struct boot_params for the 64-bit boot protocol
constexpr uint64_t kBootStackPointer = 0x8ff0;
constexpr uint64_t kPml4Address = 0x9000;
constexpr uint64_t kPdptAddress = 0xa000;
constexpr uint64_t kPdAddress = 0xb000;
constexpr uint64_t kCommandLineAddress = 0x20000;
constexpr uint64_t kCommandLineMaxSize = 0x10000;
constexpr uint64_t kEbdaStart = 0x9fc00;           // low RAM ends here; the BIOS area follows
constexpr uint64_t kMpTableAddress = 0xf0000;      // scanned by Linux (arch/x86/kernel/mpparse.c)
constexpr uint64_t kMpTableMaxSize = 0x10000;
constexpr uint64_t kHighMemoryStart = 1_MiB;       // where a kernel may load
constexpr uint64_t kMmioGapStart = 3_GiB;          // device MMIO, IOAPIC and LAPIC live in [3 GiB, 4 GiB)
constexpr uint64_t kMmioGapEnd = 4_GiB;
constexpr uint64_t kVirtioMmioBase = 0xd0000000;    // virtio-mmio windows, 4 KiB each, upwards
constexpr uint64_t kVirtioMmioEnd = 0xe0000000;
constexpr uint64_t kIoApicAddress = 0xfec00000;
constexpr uint64_t kLocalApicAddress = 0xfee00000;
constexpr uint64_t kIdentityMappedSize = 1_GiB;    // covered by the boot page tables (2 MiB pages)

// Guest RAM of `ram_bytes`, split around the MMIO gap below 4 GiB.
std::vector<GuestMemory::RegionSpec> ram_regions(uint64_t ram_bytes);

// End (exclusive) of the RAM region that starts at 0: initrd and boot data must lie below it.
uint64_t low_ram_end(const GuestMemory& memory);

}
