#include "vmm/base/mmap.h"

#include <gtest/gtest.h>

#include <cstdint>

using namespace vmlet;

TEST(Mmap, AnonymousMemoryStartsOnAHugePageBoundary)
{
    // Several sizes, so that an aligned result is not luck of one mmap placement.
    for (size_t size : { size_t(4096), size_t(3) << 20, size_t(64) << 20, (size_t(2) << 20) + 4096 }) {
        auto map = Mmap::anonymous(size);
        ASSERT_TRUE(map.ok()) << map.error().message();
        EXPECT_EQ(reinterpret_cast<uintptr_t>(map.value().data()) % Mmap::kHugePageSize, 0u) << size;
        EXPECT_EQ(map.value().size(), size);
        map.value().data()[size - 1] = 1; // the whole range is mapped and writable
    }
    EXPECT_FALSE(Mmap::anonymous(0).ok());
}
