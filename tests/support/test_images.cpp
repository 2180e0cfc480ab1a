#include "tests/support/test_images.h"

#include <elf.h>

#include <cstring>

namespace vmlet::test {

template<typename T>
static void put(std::vector<uint8_t>& bytes, size_t offset, T value)
{
    std::memcpy(bytes.data() + offset, &value, sizeof(T));
}

std::vector<uint8_t> make_elf_kernel(const ElfImageSpec& spec)
{
    constexpr size_t kPhdrOffset = sizeof(Elf64_Ehdr);
    constexpr size_t kNoteOffset = 0x100;
    constexpr size_t kSegmentOffset = 0x200;
    const uint16_t headers = spec.pvh_entry ? 2 : 1;

    std::vector<uint8_t> bytes(kSegmentOffset + spec.file_bytes, 0);
    Elf64_Ehdr header {};
    std::memcpy(header.e_ident, ELFMAG, SELFMAG);
    header.e_ident[EI_CLASS] = ELFCLASS64;
    header.e_ident[EI_DATA] = ELFDATA2LSB;
    header.e_ident[EI_VERSION] = EV_CURRENT;
    header.e_type = ET_EXEC;
    header.e_machine = EM_X86_64;
    header.e_version = EV_CURRENT;
    header.e_entry = spec.entry;
    header.e_phoff = kPhdrOffset;
    header.e_ehsize = sizeof(Elf64_Ehdr);
    header.e_phentsize = sizeof(Elf64_Phdr);
    header.e_phnum = headers;
    put(bytes, 0, header);

    Elf64_Phdr load {};
    load.p_type = PT_LOAD;
    load.p_offset = kSegmentOffset;
    load.p_paddr = load.p_vaddr = spec.load_address;
    load.p_filesz = spec.file_bytes;
    load.p_memsz = spec.memory_bytes;
    put(bytes, kPhdrOffset, load);
    for (size_t index = 0; index < spec.file_bytes; ++index)
        bytes[kSegmentOffset + index] = uint8_t(index * 7 + 1);

    if (spec.pvh_entry) {
        Elf64_Nhdr note { 4, 8, 18 }; // "Xen", 8-byte descriptor, XEN_ELFNOTE_PHYS32_ENTRY
        put(bytes, kNoteOffset, note);
        std::memcpy(bytes.data() + kNoteOffset + sizeof(note), "Xen", 4);
        put(bytes, kNoteOffset + sizeof(note) + 4, *spec.pvh_entry);
        Elf64_Phdr note_header {};
        note_header.p_type = PT_NOTE;
        note_header.p_offset = kNoteOffset;
        note_header.p_filesz = sizeof(note) + 4 + 8;
        put(bytes, kPhdrOffset + sizeof(Elf64_Phdr), note_header);
    }
    return bytes;
}

std::vector<uint8_t> make_bzimage(const BzImageSpec& spec)
{
    size_t setup_bytes = (size_t(spec.setup_sectors ? spec.setup_sectors : 4) + 1) * 512;
    std::vector<uint8_t> bytes(setup_bytes + spec.kernel_bytes, 0);
    bytes[0x1f1] = spec.setup_sectors;
    put<uint32_t>(bytes, 0x1f4, uint32_t((spec.kernel_bytes + 15) / 16));
    put<uint16_t>(bytes, 0x1fe, 0xaa55);
    bytes[0x200] = 0xeb;
    bytes[0x201] = 0x6a; // jump over the header: it ends at 0x26c
    put<uint32_t>(bytes, 0x202, 0x53726448);
    put<uint16_t>(bytes, 0x206, spec.protocol);
    bytes[0x211] = 0x01; // LOADED_HIGH
    put<uint32_t>(bytes, 0x22c, spec.initrd_addr_max);
    put<uint32_t>(bytes, 0x230, 0x200000);
    bytes[0x234] = 1;
    put<uint16_t>(bytes, 0x236, spec.kernel_64 ? 1 : 0);
    put<uint32_t>(bytes, 0x238, spec.cmdline_size);
    put<uint64_t>(bytes, 0x258, spec.pref_address);
    put<uint32_t>(bytes, 0x260, spec.init_size);
    for (size_t index = 0; index < spec.kernel_bytes; ++index)
        bytes[setup_bytes + index] = uint8_t(index * 3 + 5);
    return bytes;
}

}
