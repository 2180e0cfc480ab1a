#include "boot/kernel_loader.h"

#include "boot/bzimage_loader.h"
#include "boot/elf_loader.h"

namespace vmlet {

Result<LoadedKernel> load_kernel(const GuestMemory& memory, std::span<const uint8_t> image)
{
    switch (detect_kernel_format(image)) {
    case KernelFormat::Elf:
        return load_elf_kernel(memory, image);
    case KernelFormat::BzImage:
        return load_bzimage(memory, image);
    case KernelFormat::Unknown:
        break;
    }
    return make_error("not a kernel: neither an ELF vmlinux nor a bzImage");
}

}
