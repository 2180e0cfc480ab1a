#include "devices/virtio/block_device.h"
#include "tests/unit/devices/virtio/fake_driver.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/file.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace vmlet;
using namespace vmlet::virtio;
using namespace vmlet::virtio::testing;

namespace {

constexpr uint32_t kIn = 0, kOut = 1, kFlush = 4, kGetId = 8, kDiscard = 11;
constexpr uint8_t kOk = 0, kIoError = 1, kUnsupported = 2;
constexpr uint64_t kDiskBytes = 64 * 1024;

struct Header {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

// A disk image in a temporary file whose sector n is filled with the byte n.
class BlockDeviceTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        char name[] = "/tmp/vmlet-blk-XXXXXX";
        int fd = ::mkstemp(name);
        ASSERT_GE(fd, 0);
        path = name;
        std::vector<uint8_t> image(kDiskBytes);
        for (size_t index = 0; index < image.size(); ++index)
            image[index] = uint8_t(index / 512);
        ASSERT_EQ(::write(fd, image.data(), image.size()), ssize_t(image.size()));
        ::close(fd);
    }
    void TearDown() override { ::unlink(path.c_str()); }

    std::unique_ptr<FakeDriver> start(bool read_only)
    {
        device = BlockDevice::open(path, read_only).release_value();
        auto driver = std::make_unique<FakeDriver>(*device);
        EXPECT_EQ(driver->initialise(kModern), kLiveStatus);
        return driver;
    }

    // Submits one request; returns its status byte and used length.
    std::pair<uint8_t, uint32_t> submit(FakeDriver& driver, std::vector<FakeDriver::Buffer> buffers)
    {
        auto status = driver.writable(1, 0xff);
        buffers.push_back(status);
        driver.add_chain(0, buffers);
        driver.kick(0);
        auto used = driver.take_used(0);
        EXPECT_EQ(used.size(), 1u);
        return { driver.bytes(status.address, 1)[0], used.empty() ? 0 : used[0].length };
    }

    std::vector<uint8_t> file_bytes(uint64_t offset, size_t length)
    {
        std::ifstream file(path, std::ios::binary);
        file.seekg(std::streamoff(offset));
        std::vector<uint8_t> out(length);
        file.read(reinterpret_cast<char*>(out.data()), std::streamsize(length));
        return out;
    }

    std::string path;
    std::unique_ptr<BlockDevice> device;
};

}

TEST_F(BlockDeviceTest, ConfigReportsCapacityInSectors)
{
    auto driver = start(false);
    uint64_t capacity = 0;
    driver->transport->read(mmio::kConfig, std::span(reinterpret_cast<uint8_t*>(&capacity), 8));
    EXPECT_EQ(capacity, kDiskBytes / 512);
    EXPECT_FALSE(driver->device_features() & feature(5));
}

TEST_F(BlockDeviceTest, ReadsSectors)
{
    auto driver = start(false);
    auto header = driver->readable_object(Header { kIn, 0, 3 });
    auto data = driver->writable(1024);
    auto [status, written] = submit(*driver, { header, data });
    EXPECT_EQ(status, kOk);
    EXPECT_EQ(written, 1025u);
    auto bytes = driver->bytes(data.address, 1024);
    EXPECT_EQ(bytes[0], 3);
    EXPECT_EQ(bytes[1023], 4);
}

TEST_F(BlockDeviceTest, WritesLandInTheFile)
{
    auto driver = start(false);
    auto header = driver->readable_object(Header { kOut, 0, 10 });
    auto data = driver->readable(std::vector<uint8_t>(512, 0xab));
    auto [status, written] = submit(*driver, { header, data });
    EXPECT_EQ(status, kOk);
    EXPECT_EQ(written, 1u);
    EXPECT_EQ(file_bytes(10 * 512, 512), std::vector<uint8_t>(512, 0xab));
    EXPECT_EQ(file_bytes(11 * 512, 1)[0], 11);
}

TEST_F(BlockDeviceTest, WriteSplitAcrossBuffers)
{
    auto driver = start(false);
    auto header = driver->readable_object(Header { kOut, 0, 0 });
    auto first = driver->readable(std::vector<uint8_t>(100, 1));
    auto second = driver->readable(std::vector<uint8_t>(412, 2));
    EXPECT_EQ(submit(*driver, { header, first, second }).first, kOk);
    auto bytes = file_bytes(0, 512);
    EXPECT_EQ(bytes[99], 1);
    EXPECT_EQ(bytes[100], 2);
}

TEST_F(BlockDeviceTest, ReadOnlyDiskRefusesWritesAndDiscards)
{
    auto driver = start(true);
    EXPECT_TRUE(driver->device_features() & feature(5)) << "VIRTIO_BLK_F_RO";
    auto header = driver->readable_object(Header { kOut, 0, 1 });
    auto data = driver->readable(std::vector<uint8_t>(512, 0xcd));
    EXPECT_EQ(submit(*driver, { header, data }).first, kIoError);
    EXPECT_EQ(file_bytes(512, 512), std::vector<uint8_t>(512, 1));
    struct { uint64_t sector; uint32_t sectors, flags; } segment { 0, 8, 0 };
    auto discard = driver->readable_object(Header { kDiscard, 0, 0 });
    EXPECT_EQ(submit(*driver, { discard, driver->readable_object(segment) }).first, kIoError);
    EXPECT_EQ(file_bytes(512, 1)[0], 1);
}

TEST_F(BlockDeviceTest, AccessBeyondCapacityIsAnError)
{
    auto driver = start(false);
    auto past_end = driver->readable_object(Header { kIn, 0, kDiskBytes / 512 });
    EXPECT_EQ(submit(*driver, { past_end, driver->writable(512) }).first, kIoError);
    auto straddling = driver->readable_object(Header { kOut, 0, kDiskBytes / 512 - 1 });
    EXPECT_EQ(submit(*driver, { straddling, driver->readable(std::vector<uint8_t>(1024, 9)) }).first, kIoError);
    auto overflowing = driver->readable_object(Header { kIn, 0, UINT64_MAX / 256 });
    EXPECT_EQ(submit(*driver, { overflowing, driver->writable(512) }).first, kIoError);
    EXPECT_EQ(file_bytes(kDiskBytes - 512, 1)[0], uint8_t(kDiskBytes / 512 - 1));
}

TEST_F(BlockDeviceTest, PartialSectorIsAnError)
{
    auto driver = start(false);
    auto header = driver->readable_object(Header { kOut, 0, 0 });
    EXPECT_EQ(submit(*driver, { header, driver->readable(std::vector<uint8_t>(100, 7)) }).first, kIoError);
    EXPECT_EQ(file_bytes(0, 1)[0], 0);
}

TEST_F(BlockDeviceTest, ShortHeaderIsAnError)
{
    auto driver = start(false);
    EXPECT_EQ(submit(*driver, { driver->readable(std::vector<uint8_t>(8, 0)) }).first, kIoError);
}

TEST_F(BlockDeviceTest, ChainWithoutStatusByteIsReturnedEmpty)
{
    auto driver = start(false);
    driver->add_chain(0, { driver->readable_object(Header { kIn, 0, 0 }) });
    driver->kick(0);
    auto used = driver->take_used(0);
    ASSERT_EQ(used.size(), 1u);
    EXPECT_EQ(used[0].length, 0u);
    EXPECT_FALSE(driver->read_register(mmio::kStatusReg) & kStatusNeedsReset);
}

TEST_F(BlockDeviceTest, UnknownRequestIsUnsupported)
{
    auto driver = start(false);
    EXPECT_EQ(submit(*driver, { driver->readable_object(Header { 77, 0, 0 }) }).first, kUnsupported);
}

TEST_F(BlockDeviceTest, FlushAndGetId)
{
    auto driver = start(false);
    EXPECT_EQ(submit(*driver, { driver->readable_object(Header { kFlush, 0, 0 }) }).first, kOk);
    auto id = driver->writable(20, 0);
    EXPECT_EQ(submit(*driver, { driver->readable_object(Header { kGetId, 0, 0 }), id }).first, kOk);
    auto name = std::filesystem::path(path).filename().string();
    auto bytes = driver->bytes(id.address, name.size());
    EXPECT_EQ(std::string(bytes.begin(), bytes.end()), name);
}

TEST_F(BlockDeviceTest, DiscardPunchesAHole)
{
    auto driver = start(false);
    struct { uint64_t sector; uint32_t sectors, flags; } segment { 8, 8, 0 };
    auto header = driver->readable_object(Header { kDiscard, 0, 0 });
    EXPECT_EQ(submit(*driver, { header, driver->readable_object(segment) }).first, kOk);
    EXPECT_EQ(file_bytes(8 * 512, 4096), std::vector<uint8_t>(4096, 0));
    EXPECT_EQ(file_bytes(16 * 512, 1)[0], 16);
}

TEST_F(BlockDeviceTest, SecondWriterIsRefused)
{
    auto first = BlockDevice::open(path, false);
    ASSERT_TRUE(first.ok());
    auto second = BlockDevice::open(path, false);
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.error().message().find("in use"), std::string::npos);
}

TEST(BlockDeviceOpen, MissingFileIsNamed)
{
    auto opened = BlockDevice::open("/nonexistent/disk.img", false);
    ASSERT_FALSE(opened.ok());
    EXPECT_NE(opened.error().message().find("/nonexistent/disk.img"), std::string::npos);
}

// Snapshots: the disk reopened in a new process (the old device gone, its lock released).
TEST_F(BlockDeviceTest, RestoredDiskContinuesWithTheNextRequest)
{
    auto driver = start(false);
    EXPECT_EQ(submit(*driver, { driver->readable_object(Header { kOut, 0, 2 }), driver->readable(std::vector<uint8_t>(512, 0x5a)) }).first, kOk);
    EXPECT_EQ(submit(*driver, { driver->readable_object(Header { kIn, 0, 2 }), driver->writable(512) }).first, kOk);
    auto state = driver->save_state();
    device.reset();

    auto reopened = BlockDevice::open(path, false).release_value();
    auto restored = driver->copy_guest(*reopened);
    auto result = restored->restore_state(state);
    ASSERT_TRUE(result.ok()) << result.error().message();
    restored->transport->after_restore();
    EXPECT_TRUE(restored->take_used(0).empty()) << "no request was waiting: none is answered twice";
    auto data = restored->writable(512, 0);
    auto [status, written] = submit(*restored, { restored->readable_object(Header { kIn, 0, 2 }), data });
    EXPECT_EQ(status, kOk);
    EXPECT_EQ(written, 513u);
    EXPECT_EQ(restored->bytes(data.address, 512), std::vector<uint8_t>(512, 0x5a));
    EXPECT_EQ(restored->used_index(0), 3);
}

TEST_F(BlockDeviceTest, RestoreRefusesADiskTheGuestWouldSeeChange)
{
    auto driver = start(false);
    auto state = driver->save_state();
    device.reset();

    ASSERT_EQ(::truncate(path.c_str(), kDiskBytes + 512), 0);
    auto larger = BlockDevice::open(path, false).release_value();
    auto restored = driver->copy_guest(*larger);
    auto result = restored->restore_state(state);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message(), "snapshot: device: 'capacity' is 128 sectors, but the disk given now has 129");
    EXPECT_FALSE(larger->active());
    larger.reset();
    restored.reset();

    ASSERT_EQ(::truncate(path.c_str(), kDiskBytes), 0);
    auto read_only = BlockDevice::open(path, true).release_value();
    restored = driver->copy_guest(*read_only);
    result = restored->restore_state(state);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().message().find("'read-only' is clear, but the disk given now is read-only"), std::string::npos);
}
