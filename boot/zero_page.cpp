#include "boot/zero_page.h"

#include "boot/byte_reader.h"
#include "boot/setup_header.h"

#include <array>

namespace vmlet {

namespace hdr = setup_header;

Result<void> write_zero_page(const GuestMemory& memory, uint64_t address, const LoadedKernel& kernel,
    BootModule command_line, std::optional<BootModule> initrd, const std::vector<E820Entry>& e820)
{
    if (e820.size() > zero_page::kE820MaxEntries)
        return make_error("{} e820 entries do not fit in boot_params", e820.size());
    std::array<uint8_t, zero_page::kSize> page {};
    std::span<uint8_t> bytes(page);

    if (!kernel.setup_header.empty()) {
        std::copy(kernel.setup_header.begin(), kernel.setup_header.end(), page.begin() + hdr::kStart);
    } else {
        // An ELF vmlinux has no setup header: give the fields the kernel reads (boot.rst).
        write_le<uint16_t>(bytes, hdr::kBootFlag, hdr::kBootFlagValue);
        write_le<uint32_t>(bytes, hdr::kHeaderMagic, hdr::kHeaderMagicValue);
        write_le<uint16_t>(bytes, hdr::kVersion, 0x020f);
        write_le<uint32_t>(bytes, hdr::kCmdLineSize, uint32_t(kernel.command_line_max - 1));
        write_le<uint32_t>(bytes, hdr::kKernelAlignment, 0x01000000);
    }
    write_le<uint8_t>(bytes, hdr::kTypeOfLoader, hdr::kLoaderUndefined);
    write_le<uint32_t>(bytes, hdr::kCmdLinePtr, uint32_t(command_line.address));
    write_le<uint32_t>(bytes, zero_page::kExtCmdLinePtr, uint32_t(command_line.address >> 32));
    if (initrd) {
        write_le<uint32_t>(bytes, hdr::kRamdiskImage, uint32_t(initrd->address));
        write_le<uint32_t>(bytes, zero_page::kExtRamdiskImage, uint32_t(initrd->address >> 32));
        write_le<uint32_t>(bytes, hdr::kRamdiskSize, uint32_t(initrd->size));
        write_le<uint32_t>(bytes, zero_page::kExtRamdiskSize, uint32_t(initrd->size >> 32));
    }
    write_le<uint8_t>(bytes, zero_page::kE820Entries, uint8_t(e820.size()));
    for (size_t index = 0; index < e820.size(); ++index) {
        uint64_t offset = zero_page::kE820Table + index * zero_page::kE820EntrySize;
        write_le<uint64_t>(bytes, offset, e820[index].address);
        write_le<uint64_t>(bytes, offset + 8, e820[index].size);
        write_le<uint32_t>(bytes, offset + 16, e820[index].type);
    }
    return memory.write(GuestAddress(address), bytes);
}

}
