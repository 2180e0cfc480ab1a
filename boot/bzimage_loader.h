#pragma once

#include "boot/kernel_image.h"
#include "vmm/base/result.h"
#include "vmm/memory/guest_memory.h"

namespace vmlet {

// Loads the protected-mode part of a bzImage and returns its 64-bit entry (load address + 0x200),
// after checking every header field it relies on (Documentation/x86/boot.rst).
Result<LoadedKernel> load_bzimage(const GuestMemory& memory, std::span<const uint8_t> image);

}
