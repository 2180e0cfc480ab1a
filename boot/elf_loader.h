#pragma once

#include "boot/kernel_image.h"
#include "vmm/base/result.h"
#include "vmm/memory/guest_memory.h"

namespace vmlet {

// Loads an x86_64 ELF vmlinux at its physical addresses. Boots through PVH when the image carries
// a XEN_ELFNOTE_PHYS32_ENTRY note, otherwise through the 64-bit boot protocol at e_entry.
Result<LoadedKernel> load_elf_kernel(const GuestMemory& memory, std::span<const uint8_t> image);

}
