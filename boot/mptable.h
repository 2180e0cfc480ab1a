#pragma once

#include "vmm/base/result.h"
#include "vmm/memory/guest_memory.h"

namespace vmlet {

// The most vCPUs the MP table describes: APIC IDs 0..253, with the I/O APIC taking the next ID.
constexpr uint32_t kMaxMpTableCpus = 254;
// I/O APIC pins described; virtio-mmio devices take pins above the ISA range.
constexpr uint8_t kIoApicPins = 24;

// Writes an Intel MultiProcessor Specification 1.4 table (floating pointer + configuration table)
// at `address`, so a guest without ACPI finds its CPUs, the I/O APIC and the ISA interrupt routing.
// Returns the table's total size.
Result<uint64_t> write_mptable(const GuestMemory& memory, uint64_t address, uint32_t cpu_count);

}
