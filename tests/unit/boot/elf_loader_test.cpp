#include "boot/elf_loader.h"

#include "tests/support/test_images.h"
#include "tests/unit/boot/loader_test_support.h"

#include <elf.h>
#include <gtest/gtest.h>

#include <cstring>

namespace vmlet {

using test::ElfImageSpec;
using test::make_elf_kernel;

static std::string load_error(const std::vector<uint8_t>& image, uint64_t memory_bytes = 32 << 20)
{
    return test::load_error(image, memory_bytes);
}

TEST(ElfLoader, LoadsSegmentsAndFindsThePvhEntry)
{
    auto memory = test::memory_of(32 << 20);
    auto image = make_elf_kernel();
    auto kernel = load_elf_kernel(memory, image);
    ASSERT_TRUE(kernel.ok()) << kernel.error().message();
    EXPECT_EQ(kernel.value().protocol, EntryProtocol::Pvh);
    EXPECT_EQ(kernel.value().entry, 0x1000040u);
    EXPECT_EQ(kernel.value().image_end, 0x1002000u);
    auto loaded = memory.span(GuestAddress(0x1000000), 0x2000).value();
    EXPECT_EQ(0, std::memcmp(loaded.data(), image.data() + 0x200, 0x1000));
    EXPECT_EQ(loaded[0x1000], 0); // bss is zeroed
    EXPECT_EQ(loaded[0x1fff], 0);
}

TEST(ElfLoader, WithoutAPvhNoteUsesThe64BitEntry)
{
    auto memory = test::memory_of(32 << 20);
    auto kernel = load_elf_kernel(memory, make_elf_kernel({ .entry = 0x1000200, .pvh_entry = std::nullopt }));
    ASSERT_TRUE(kernel.ok());
    EXPECT_EQ(kernel.value().protocol, EntryProtocol::Linux64);
    EXPECT_EQ(kernel.value().entry, 0x1000200u);
}

TEST(ElfLoader, RejectsTruncatedImages)
{
    auto image = make_elf_kernel();
    EXPECT_NE(load_error({ image.begin(), image.begin() + 40 }).find("truncated"), std::string::npos);
    EXPECT_NE(load_error({ image.begin(), image.begin() + 0x300 }).find("outside the file"), std::string::npos);
}

TEST(ElfLoader, RejectsLyingHeaders)
{
    auto image = make_elf_kernel();
    auto header = reinterpret_cast<Elf64_Ehdr*>(image.data());
    header->e_phnum = 60000; // program headers far past the end of the file
    EXPECT_NE(load_error(image).find("program headers"), std::string::npos);

    image = make_elf_kernel();
    reinterpret_cast<Elf64_Ehdr*>(image.data())->e_machine = EM_AARCH64;
    EXPECT_NE(load_error(image).find("not x86_64"), std::string::npos);

    image = make_elf_kernel();
    reinterpret_cast<Elf64_Ehdr*>(image.data())->e_phoff = UINT64_MAX - 8;
    EXPECT_NE(load_error(image).find("program headers"), std::string::npos);

    image = make_elf_kernel();
    auto segment = reinterpret_cast<Elf64_Phdr*>(image.data() + sizeof(Elf64_Ehdr));
    segment->p_filesz = segment->p_memsz + 1;
    EXPECT_NE(load_error(image), "loaded");

    image = make_elf_kernel();
    segment = reinterpret_cast<Elf64_Phdr*>(image.data() + sizeof(Elf64_Ehdr));
    segment->p_offset = UINT64_MAX - 0x10;
    EXPECT_NE(load_error(image).find("outside the file"), std::string::npos);
}

TEST(ElfLoader, RejectsCorruptNotes)
{
    auto image = make_elf_kernel();
    auto note = reinterpret_cast<Elf64_Nhdr*>(image.data() + 0x100);
    note->n_descsz = 0xfffffff0; // claims more than the segment
    EXPECT_NE(load_error(image).find("note"), std::string::npos);
}

TEST(ElfLoader, RejectsSegmentsOutsideGuestMemoryOrInBootArea)
{
    EXPECT_NE(load_error(make_elf_kernel(), 16 << 20).find("does not fit in guest memory"), std::string::npos);
    EXPECT_NE(load_error(make_elf_kernel({ .memory_bytes = UINT64_MAX - 0x100 })).find("does not fit"), std::string::npos);
    EXPECT_NE(load_error(make_elf_kernel({ .load_address = 0x7000, .entry = 0x7000, .pvh_entry = 0x7040 })).find("below 1 MiB"), std::string::npos);
}

TEST(ElfLoader, RejectsEntryPointsOutsideTheKernel)
{
    EXPECT_NE(load_error(make_elf_kernel({ .pvh_entry = 0x5000000 })).find("PVH entry"), std::string::npos);
    EXPECT_NE(load_error(make_elf_kernel({ .entry = 0x100, .pvh_entry = std::nullopt })).find("entry point"), std::string::npos);
}

}
