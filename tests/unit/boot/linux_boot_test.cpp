#include "boot/layout.h"
#include "boot/linux_boot.h"
#include "boot/long_mode.h"

#include "tests/support/test_images.h"

#include <gtest/gtest.h>

#include <cstring>

namespace vmlet {

static GuestMemory ram(uint64_t mib)
{
    return GuestMemory::create(layout::ram_regions(mib << 20), MemoryBacking::Plain).release_value();
}

template<typename T>
static T read_at(const GuestMemory& memory, uint64_t address)
{
    return memory.read_object<T>(GuestAddress(address)).value();
}

TEST(LinuxBoot, PvhKernelGetsStartInfoCommandLineAndInitrd)
{
    auto memory = ram(64);
    auto kernel = test::make_elf_kernel();
    std::vector<uint8_t> initrd(10000, 0x5a);
    auto boot = load_linux(memory, { kernel, std::span<const uint8_t>(initrd), "console=ttyS0 -- echo", 2 });
    ASSERT_TRUE(boot.ok()) << boot.error().message();
    EXPECT_EQ(boot.value().protocol, EntryProtocol::Pvh);

    const auto& cpu = boot.value().cpu;
    EXPECT_EQ(cpu.rip, 0x1000040u);
    EXPECT_EQ(cpu.rbx, layout::kPvhStartInfoAddress);
    EXPECT_EQ(cpu.cr0 & 0x80000001u, 1u); // protected mode, paging off
    EXPECT_FALSE(cpu.code.long_mode);
    EXPECT_TRUE(cpu.code.default_big);
    EXPECT_EQ(cpu.code.limit, 0xffffffffu);

    uint64_t start = layout::kPvhStartInfoAddress;
    EXPECT_EQ(read_at<uint32_t>(memory, start), 0x336ec578u);
    EXPECT_EQ(read_at<uint32_t>(memory, start + 12), 1u); // one module
    uint64_t cmdline = read_at<uint64_t>(memory, start + 24);
    auto text = memory.span(GuestAddress(cmdline), 22).value();
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(text.data())), "console=ttyS0 -- echo");

    uint64_t module = read_at<uint64_t>(memory, start + 16);
    uint64_t initrd_address = read_at<uint64_t>(memory, module);
    EXPECT_EQ(read_at<uint64_t>(memory, module + 8), initrd.size());
    EXPECT_EQ(initrd_address % 4096, 0u);
    EXPECT_LE(initrd_address + initrd.size(), 64u << 20);
    EXPECT_GT(initrd_address + initrd.size() + 4096, 64u << 20); // as high as it goes
    EXPECT_EQ(read_at<uint8_t>(memory, initrd_address + 9999), 0x5a);

    uint64_t memmap = read_at<uint64_t>(memory, start + 40);
    EXPECT_EQ(read_at<uint32_t>(memory, start + 48), 3u);
    EXPECT_EQ(read_at<uint64_t>(memory, memmap + 2 * 24), layout::kHighMemoryStart);
    EXPECT_EQ(read_at<uint64_t>(memory, memmap + 2 * 24 + 8), (64u << 20) - layout::kHighMemoryStart);
}

TEST(LinuxBoot, SixtyFourBitProtocolGetsZeroPageAndIdentityMap)
{
    auto memory = ram(64);
    auto kernel = test::make_bzimage();
    auto boot = load_linux(memory, { kernel, std::nullopt, "quiet", 1 });
    ASSERT_TRUE(boot.ok()) << boot.error().message();
    const auto& cpu = boot.value().cpu;
    EXPECT_EQ(boot.value().protocol, EntryProtocol::Linux64);
    EXPECT_EQ(cpu.rip, 0x1000200u);
    EXPECT_EQ(cpu.rsi, layout::kZeroPageAddress);
    EXPECT_TRUE(cpu.code.long_mode);
    EXPECT_EQ(cpu.code.selector, kBootCodeSelector);
    EXPECT_EQ(cpu.data.selector, kBootDataSelector);
    EXPECT_EQ(cpu.efer & 0x500u, 0x500u);
    EXPECT_EQ(cpu.cr3, layout::kPml4Address);

    uint64_t zero_page = layout::kZeroPageAddress;
    EXPECT_EQ(read_at<uint16_t>(memory, zero_page + 0x1fe), 0xaa55u);
    EXPECT_EQ(read_at<uint8_t>(memory, zero_page + 0x210), 0xffu);
    EXPECT_EQ(read_at<uint32_t>(memory, zero_page + 0x228), layout::kCommandLineAddress);
    EXPECT_EQ(read_at<uint32_t>(memory, zero_page + 0x218), 0u); // no initrd
    EXPECT_EQ(read_at<uint8_t>(memory, zero_page + 0x1e8), 3u);   // e820 entries
    // The page tables map 2 MiB pages; entry 8 covers 16 MiB, where the kernel runs.
    EXPECT_EQ(read_at<uint64_t>(memory, layout::kPdAddress + 8 * 8), (16u << 20) | 0x83);
}

TEST(LinuxBoot, MemoryAboveTheGapIsASecondRegion)
{
    auto regions = layout::ram_regions(4096ull << 20);
    ASSERT_EQ(regions.size(), 2u);
    EXPECT_EQ(regions[0].size, layout::kMmioGapStart);
    EXPECT_EQ(regions[1].start.value(), layout::kMmioGapEnd);
    EXPECT_EQ(regions[1].size, (4096ull << 20) - layout::kMmioGapStart);
}

TEST(LinuxBoot, RejectsWhatDoesNotFit)
{
    auto memory = ram(64);
    auto kernel = test::make_elf_kernel();
    auto too_long = load_linux(memory, { kernel, std::nullopt, std::string(3000, 'a'), 1 });
    ASSERT_FALSE(too_long.ok());
    EXPECT_NE(too_long.error().message().find("at most 2047"), std::string::npos);

    std::vector<uint8_t> huge_initrd(60 << 20, 1);
    auto no_room = load_linux(memory, { kernel, std::span<const uint8_t>(huge_initrd), "", 1 });
    ASSERT_FALSE(no_room.ok());
    EXPECT_NE(no_room.error().message().find("initrd"), std::string::npos);

    auto low_max = test::make_bzimage({ .initrd_addr_max = 0x100000 });
    std::vector<uint8_t> small_initrd(4096, 1);
    EXPECT_FALSE(load_linux(memory, { low_max, std::span<const uint8_t>(small_initrd), "", 1 }).ok());
}

}
