#include "boot/elf_loader.h"

#include "boot/byte_reader.h"
#include "boot/layout.h"

#include <elf.h>

#include <algorithm>
#include <optional>

namespace vmlet {

// xen/include/public/elfnote.h: the 32-bit physical entry point of a PVH kernel.
constexpr uint32_t kXenElfNotePhys32Entry = 18;
// arch/x86/include/asm/setup.h: COMMAND_LINE_SIZE; an ELF vmlinux carries no header saying otherwise.
constexpr uint64_t kElfCommandLineMax = 2048;

static Result<Elf64_Ehdr> read_elf_header(std::span<const uint8_t> image)
{
    auto header = read_le<Elf64_Ehdr>(image, 0);
    if (!header)
        return make_error("ELF file is truncated: no complete ELF header");
    const auto* ident = header->e_ident;
    if (ident[EI_CLASS] != ELFCLASS64 || ident[EI_DATA] != ELFDATA2LSB)
        return make_error("ELF file is not 64-bit little-endian");
    if (header->e_machine != EM_X86_64)
        return make_error("ELF file is for machine {}, not x86_64", header->e_machine);
    if (header->e_type != ET_EXEC)
        return make_error("ELF file is not an executable image (e_type {})", header->e_type);
    if (header->e_phentsize != sizeof(Elf64_Phdr))
        return make_error("ELF program header size {} is not {}", header->e_phentsize, sizeof(Elf64_Phdr));
    if (header->e_phnum == 0)
        return make_error("ELF file has no program headers");
    auto table_size = uint64_t(header->e_phnum) * sizeof(Elf64_Phdr);
    if (!range_fits(header->e_phoff, table_size, image.size()))
        return make_error("ELF program headers lie outside the file");
    return *header;
}

// Walks the notes in one PT_NOTE segment looking for the PVH entry (ELF note format: namesz,
// descsz, type, then name and descriptor, each padded to 4 bytes).
static Result<std::optional<uint64_t>> find_pvh_entry(std::span<const uint8_t> notes)
{
    uint64_t offset = 0;
    while (offset < notes.size()) {
        auto note = read_le<Elf64_Nhdr>(notes, offset);
        if (!note)
            return make_error("ELF note at {:#x} is truncated", offset);
        uint64_t name_offset = offset + sizeof(Elf64_Nhdr);
        auto name_size = align_up(note->n_namesz, 4);
        auto desc_size = align_up(note->n_descsz, 4);
        auto desc_offset = checked_add(name_offset, *name_size);
        if (!desc_offset || !range_fits(*desc_offset, *desc_size, notes.size()))
            return make_error("ELF note at {:#x} claims more bytes than its segment holds", offset);
        bool is_xen = note->n_namesz == 4 && std::equal(notes.begin() + long(name_offset), notes.begin() + long(name_offset) + 4, "Xen");
        if (is_xen && note->n_type == kXenElfNotePhys32Entry) {
            if (note->n_descsz == 4)
                return std::optional<uint64_t>(*read_le<uint32_t>(notes, *desc_offset));
            if (note->n_descsz == 8)
                return std::optional<uint64_t>(*read_le<uint64_t>(notes, *desc_offset));
            return make_error("PVH entry note has a {}-byte descriptor", note->n_descsz);
        }
        offset = *desc_offset + *desc_size;
    }
    return std::optional<uint64_t>();
}

Result<LoadedKernel> load_elf_kernel(const GuestMemory& memory, std::span<const uint8_t> image)
{
    auto header = TRY(read_elf_header(image));
    uint64_t image_start = UINT64_MAX;
    uint64_t image_end = 0;
    std::optional<uint64_t> pvh_entry;

    for (uint16_t index = 0; index < header.e_phnum; ++index) {
        auto segment = *read_le<Elf64_Phdr>(image, header.e_phoff + uint64_t(index) * sizeof(Elf64_Phdr));
        if (!range_fits(segment.p_offset, segment.p_filesz, image.size()))
            return make_error("ELF segment {} lies outside the file (truncated image?)", index);
        auto contents = image.subspan(segment.p_offset, segment.p_filesz);

        if (segment.p_type == PT_NOTE && !pvh_entry) {
            pvh_entry = TRY(find_pvh_entry(contents));
            continue;
        }
        if (segment.p_type != PT_LOAD)
            continue;
        if (segment.p_filesz > segment.p_memsz)
            return make_error("ELF segment {} has more file bytes ({:#x}) than memory bytes ({:#x})", index, segment.p_filesz, segment.p_memsz);
        if (segment.p_paddr < layout::kHighMemoryStart)
            return make_error("ELF segment {} loads at {:#x}, below 1 MiB where boot data lives", index, segment.p_paddr);
        auto target = memory.span(GuestAddress(segment.p_paddr), segment.p_memsz);
        if (!target.ok())
            return make_error("ELF segment {} ({:#x} bytes at {:#x}) does not fit in guest memory", index, segment.p_memsz, segment.p_paddr);
        std::copy(contents.begin(), contents.end(), target.value().begin());
        std::fill(target.value().begin() + long(segment.p_filesz), target.value().end(), 0);
        image_start = std::min(image_start, segment.p_paddr);
        image_end = std::max(image_end, segment.p_paddr + segment.p_memsz);
    }
    if (image_end == 0)
        return make_error("ELF file has no loadable segments");

    LoadedKernel kernel {};
    kernel.image_end = image_end;
    kernel.initrd_address_max = layout::kMmioGapStart - 1;
    kernel.command_line_max = kElfCommandLineMax;
    if (pvh_entry) {
        if (*pvh_entry >= layout::kMmioGapStart || *pvh_entry < image_start || *pvh_entry >= image_end)
            return make_error("PVH entry point {:#x} is outside the loaded kernel", *pvh_entry);
        kernel.protocol = EntryProtocol::Pvh;
        kernel.entry = *pvh_entry;
    } else {
        if (header.e_entry < image_start || header.e_entry >= image_end)
            return make_error("ELF entry point {:#x} is outside the loaded kernel", header.e_entry);
        kernel.protocol = EntryProtocol::Linux64;
        kernel.entry = header.e_entry;
    }
    return kernel;
}

}
