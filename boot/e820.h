#pragma once

#include "vmm/memory/guest_memory.h"

#include <cstdint>
#include <vector>

namespace vmlet {

// One BIOS e820 memory-map entry (Documentation/x86/zero-page.rst, struct boot_e820_entry).
struct E820Entry {
    uint64_t address;
    uint64_t size;
    uint32_t type;
};

constexpr uint32_t kE820Ram = 1;
constexpr uint32_t kE820Reserved = 2;

// The guest's view of RAM: the low 640 KiB less the EBDA, then everything above 1 MiB.
std::vector<E820Entry> build_e820(const GuestMemory& memory);

}
