#include "boot/kernel_image.h"

#include "boot/byte_reader.h"

namespace vmlet {

KernelFormat detect_kernel_format(std::span<const uint8_t> image)
{
    if (image.size() >= 4 && image[0] == 0x7f && image[1] == 'E' && image[2] == 'L' && image[3] == 'F')
        return KernelFormat::Elf;
    // boot.rst: boot_flag 0xAA55 at 0x1fe and the "HdrS" magic at 0x202.
    auto boot_flag = read_le<uint16_t>(image, 0x1fe);
    auto magic = read_le<uint32_t>(image, 0x202);
    if (boot_flag == 0xaa55 && magic == 0x53726448)
        return KernelFormat::BzImage;
    return KernelFormat::Unknown;
}

}
