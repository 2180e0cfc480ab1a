#pragma once

#include "boot/kernel_image.h"
#include "vmm/base/result.h"
#include "vmm/memory/guest_memory.h"

namespace vmlet {

// Copies an ELF vmlinux or a bzImage into guest memory.
Result<LoadedKernel> load_kernel(const GuestMemory& memory, std::span<const uint8_t> image);

}
