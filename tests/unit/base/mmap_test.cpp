#include "vmm/base/mmap.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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

// A sparse memory file on tmpfs, as a snapshot of a guest that touched little of its RAM is: its
// data mapped copy-on-write, its holes anonymous. Written through the mapping, a hole must not
// become a page of the file (shared memory that never goes away, charged to the writer besides its
// copy), and the file stays as it was.
TEST(Mmap, FilePrivateLeavesTheFilesHolesAnonymous)
{
    const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    int fd = ::memfd_create("sparse-memory", MFD_CLOEXEC); // tmpfs, as the nested harness's store
    ASSERT_GE(fd, 0);
    const size_t pages = 64;
    ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(pages * page)), 0);
    std::vector<uint8_t> data(page, 0xab);
    ASSERT_EQ(::pwrite(fd, data.data(), page, 0), static_cast<ssize_t>(page));
    ASSERT_EQ(::pwrite(fd, data.data(), page, static_cast<off_t>(10 * page)), static_cast<ssize_t>(page));
    struct stat before {};
    ASSERT_EQ(::fstat(fd, &before), 0);

    auto map = Mmap::file_private(fd, 0, pages * page);
    ASSERT_TRUE(map.ok()) << map.error().message();
    auto* memory = map.value().data();
    EXPECT_EQ(memory[0], 0xab);
    EXPECT_EQ(memory[10 * page + page - 1], 0xab);
    EXPECT_EQ(memory[5 * page], 0);
    for (size_t at = 0; at < pages * page; at += page)
        memory[at] = 0x5a; // every page written: the data's copies, and the holes
    EXPECT_EQ(memory[20 * page], 0x5a);

    struct stat after {};
    ASSERT_EQ(::fstat(fd, &after), 0);
    EXPECT_EQ(after.st_blocks, before.st_blocks) << "holes became pages of the file";
    uint8_t first = 0;
    ASSERT_EQ(::pread(fd, &first, 1, 0), 1);
    EXPECT_EQ(first, 0xab) << "a private mapping wrote to the file";
    ::close(fd);
}

// An offset into the file: the mapping starts there, data and holes alike.
TEST(Mmap, FilePrivateMapsFromItsOffset)
{
    const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    int fd = ::memfd_create("memory-regions", MFD_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(8 * page)), 0);
    uint8_t mark = 7;
    ASSERT_EQ(::pwrite(fd, &mark, 1, static_cast<off_t>(6 * page + 3)), 1);
    auto map = Mmap::file_private(fd, 4 * page, 4 * page);
    ASSERT_TRUE(map.ok()) << map.error().message();
    EXPECT_EQ(map.value().data()[2 * page + 3], 7);
    EXPECT_EQ(map.value().data()[0], 0);
    ::close(fd);
}
