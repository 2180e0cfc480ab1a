#pragma once

#include "boot/e820.h"
#include "boot/kernel_image.h"
#include "vmm/base/result.h"
#include "vmm/memory/guest_memory.h"

#include <optional>

namespace vmlet {

struct BootModule {
    uint64_t address;
    uint64_t size;
};

// Builds struct boot_params for the 64-bit boot protocol (Documentation/x86/zero-page.rst) at
// `address`: the kernel's setup header (or a minimal one for an ELF image), the command line,
// the initrd and the e820 map.
Result<void> write_zero_page(const GuestMemory& memory, uint64_t address, const LoadedKernel& kernel,
    BootModule command_line, std::optional<BootModule> initrd, const std::vector<E820Entry>& e820);

}
