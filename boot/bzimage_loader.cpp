#include "boot/bzimage_loader.h"

#include "boot/byte_reader.h"
#include "boot/layout.h"
#include "boot/setup_header.h"

#include <algorithm>

namespace vmlet {

namespace hdr = setup_header;

// boot.rst: protocol 2.12 added xloadflags, which says whether the 64-bit entry exists.
constexpr uint16_t kMinimumProtocol = 0x020c;
constexpr uint64_t kEntry64Offset = 0x200;

Result<LoadedKernel> load_bzimage(const GuestMemory& memory, std::span<const uint8_t> image)
{
    auto jump_target = read_le<uint8_t>(image, hdr::kJump + 1);
    if (!jump_target || image.size() < hdr::kEnd)
        return make_error("bzImage is truncated inside its setup header");
    auto version = *read_le<uint16_t>(image, hdr::kVersion);
    if (version < kMinimumProtocol)
        return make_error("bzImage uses boot protocol {}.{:02}; vmlet needs 2.12 or later for the 64-bit entry", version >> 8, version & 0xff);
    if (!(*read_le<uint16_t>(image, hdr::kXLoadFlags) & hdr::kXlfKernel64))
        return make_error("bzImage has no 64-bit entry point (XLF_KERNEL_64 is clear)");
    if (!(*read_le<uint8_t>(image, hdr::kLoadFlags) & hdr::kLoadedHigh))
        return make_error("bzImage is a zImage (LOADED_HIGH is clear), which vmlet cannot boot");

    // The header's own length is given by the jump instruction at 0x200 (boot.rst).
    uint64_t header_end = hdr::kJump + 2 + *jump_target;
    header_end = std::min(header_end, hdr::kEnd);

    uint64_t setup_sectors = *read_le<uint8_t>(image, hdr::kSetupSects);
    if (setup_sectors == 0)
        setup_sectors = 4;
    uint64_t setup_size = (setup_sectors + 1) * 512;
    if (setup_size >= image.size())
        return make_error("bzImage is truncated: its setup code ({} bytes) fills the whole file", setup_size);
    auto kernel = image.subspan(setup_size);
    uint64_t declared_size = uint64_t(*read_le<uint32_t>(image, hdr::kSysSize)) * 16;
    if (declared_size > kernel.size() + 15)
        return make_error("bzImage is truncated: header declares {} bytes of kernel, file has {}", declared_size, kernel.size());

    uint64_t load_address = *read_le<uint64_t>(image, hdr::kPrefAddress);
    if (load_address < layout::kHighMemoryStart)
        load_address = layout::kHighMemoryStart;
    uint64_t init_size = std::max<uint64_t>(*read_le<uint32_t>(image, hdr::kInitSize), kernel.size());
    if (!memory.contains(GuestAddress(load_address), init_size))
        return make_error("kernel needs {} MiB of memory from {:#x}; guest memory is too small", (init_size + 1_MiB - 1) >> 20, load_address);
    TRY(memory.write(GuestAddress(load_address), kernel));

    LoadedKernel loaded {};
    loaded.protocol = EntryProtocol::Linux64;
    loaded.entry = load_address + kEntry64Offset;
    loaded.image_end = load_address + init_size;
    loaded.initrd_address_max = *read_le<uint32_t>(image, hdr::kInitrdAddrMax);
    loaded.command_line_max = uint64_t(*read_le<uint32_t>(image, hdr::kCmdLineSize)) + 1;
    loaded.setup_header.assign(image.begin() + long(hdr::kStart), image.begin() + long(header_end));
    return loaded;
}

}
