#pragma once

#include "boot/e820.h"
#include "boot/zero_page.h"
#include "vmm/base/result.h"
#include "vmm/memory/guest_memory.h"

namespace vmlet {

// Writes struct hvm_start_info (Xen public/arch-x86/hvm/start_info.h, version 1 with a memory
// map) at `address`, followed by its module list and memory map.
Result<void> write_pvh_start_info(const GuestMemory& memory, uint64_t address, BootModule command_line,
    std::optional<BootModule> initrd, const std::vector<E820Entry>& e820);

}
