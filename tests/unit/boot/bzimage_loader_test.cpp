#include "boot/bzimage_loader.h"
#include "boot/kernel_loader.h"

#include "tests/support/test_images.h"
#include "tests/unit/boot/loader_test_support.h"

#include <gtest/gtest.h>

#include <cstring>

namespace vmlet {

using test::BzImageSpec;
using test::make_bzimage;

static std::string load_error(const std::vector<uint8_t>& image, uint64_t memory_bytes = 64 << 20)
{
    return test::load_error(image, memory_bytes);
}

TEST(BzImageLoader, LoadsTheProtectedModeKernelAtItsPreferredAddress)
{
    auto memory = test::memory_of(64 << 20);
    auto image = make_bzimage();
    auto kernel = load_kernel(memory, image);
    ASSERT_TRUE(kernel.ok()) << kernel.error().message();
    EXPECT_EQ(kernel.value().protocol, EntryProtocol::Linux64);
    EXPECT_EQ(kernel.value().entry, 0x1000200u);
    EXPECT_EQ(kernel.value().command_line_max, 2048u);
    EXPECT_EQ(kernel.value().initrd_address_max, 0x7fffffffu);
    EXPECT_EQ(kernel.value().setup_header.size(), 0x26cu - 0x1f1u);
    auto loaded = memory.span(GuestAddress(0x1000000), 0x4000).value();
    EXPECT_EQ(0, std::memcmp(loaded.data(), image.data() + 5 * 512, 0x4000));
}

TEST(BzImageLoader, ZeroSetupSectorsMeansFour)
{
    auto memory = test::memory_of(64 << 20);
    auto image = make_bzimage({ .setup_sectors = 0 });
    ASSERT_TRUE(load_kernel(memory, image).ok());
    EXPECT_EQ(0, std::memcmp(memory.span(GuestAddress(0x1000000), 16).value().data(), image.data() + 5 * 512, 16));
}

TEST(BzImageLoader, RejectsOldOr32BitOnlyKernels)
{
    EXPECT_NE(load_error(make_bzimage({ .protocol = 0x0206 })).find("2.06"), std::string::npos);
    EXPECT_NE(load_error(make_bzimage({ .kernel_64 = false })).find("64-bit entry"), std::string::npos);
}

TEST(BzImageLoader, RejectsTruncatedAndLyingImages)
{
    auto image = make_bzimage();
    EXPECT_NE(load_error({ image.begin(), image.begin() + 0x240 }).find("truncated"), std::string::npos);
    EXPECT_NE(load_error({ image.begin(), image.begin() + 5 * 512 }).find("truncated"), std::string::npos);
    EXPECT_NE(load_error({ image.begin(), image.begin() + 5 * 512 + 0x100 }).find("declares"), std::string::npos);
    image[0x1f1] = 0xff; // 256 setup sectors: more than the file
    EXPECT_NE(load_error(image).find("truncated"), std::string::npos);
}

TEST(BzImageLoader, RejectsKernelsThatDoNotFitInMemory)
{
    EXPECT_NE(load_error(make_bzimage({ .init_size = 0x40000000 })).find("too small"), std::string::npos);
    EXPECT_NE(load_error(make_bzimage(), 16 << 20).find("too small"), std::string::npos);
}

TEST(KernelLoader, RejectsFilesThatAreNotKernels)
{
    std::vector<uint8_t> text(4096, 'x');
    EXPECT_NE(load_error(text).find("neither an ELF vmlinux nor a bzImage"), std::string::npos);
    EXPECT_NE(load_error({ 0x7f }).find("neither"), std::string::npos);
}

}
