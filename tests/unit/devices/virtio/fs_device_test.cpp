#include "devices/virtio/fs_device.h"
#include "tests/unit/devices/virtio/fake_driver.h"

#include <gtest/gtest.h>

#include <linux/fuse.h>

#include <cstring>
#include <filesystem>

using namespace vmlet;
using namespace vmlet::virtio;
using namespace vmlet::virtio::testing;

namespace {

class FsDeviceTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        char name[] = "/tmp/vmlet-fsdev-XXXXXX";
        ASSERT_NE(::mkdtemp(name), nullptr);
        directory = name;
        device = FsDevice::create("data", { { directory, "", false } }).release_value();
        driver = std::make_unique<FakeDriver>(*device);
        ASSERT_EQ(driver->initialise(kModern), kLiveStatus);
    }
    void TearDown() override { std::filesystem::remove_all(directory); }

    // Sends `request` on the request queue; the reply's header and its used length.
    std::pair<fuse_out_header, uint32_t> send(const std::vector<uint8_t>& request, uint32_t room = 4096)
    {
        auto in = driver->readable(request);
        auto out = driver->writable(room);
        driver->add_chain(FsDevice::kRequestQueue, { in, out });
        driver->kick(FsDevice::kRequestQueue);
        auto used = driver->take_used(FsDevice::kRequestQueue);
        EXPECT_EQ(used.size(), 1u);
        fuse_out_header header {};
        auto bytes = driver->bytes(out.address, sizeof(header));
        std::memcpy(&header, bytes.data(), sizeof(header));
        return { header, used.empty() ? 0 : used[0].length };
    }

    static std::vector<uint8_t> request(uint32_t opcode, uint64_t unique, const void* args, size_t length, uint32_t declared_extra = 0)
    {
        fuse_in_header header {};
        header.len = uint32_t(sizeof(header) + length + declared_extra);
        header.opcode = opcode;
        header.unique = unique;
        header.nodeid = FUSE_ROOT_ID;
        std::vector<uint8_t> bytes(sizeof(header) + length);
        std::memcpy(bytes.data(), &header, sizeof(header));
        if (length)
            std::memcpy(bytes.data() + sizeof(header), args, length);
        return bytes;
    }
    std::vector<uint8_t> init_request()
    {
        fuse_init_in in {};
        in.major = FUSE_KERNEL_VERSION;
        in.minor = 36;
        return request(FUSE_INIT, 1, &in, sizeof(in));
    }

    std::string directory;
    std::unique_ptr<FsDevice> device;
    std::unique_ptr<FakeDriver> driver;
};

}

TEST_F(FsDeviceTest, ConfigHoldsTheTagAndOneRequestQueue)
{
    EXPECT_EQ(device->device_id(), 26u);
    char tag[36] = {};
    driver->transport->read(mmio::kConfig, std::span(reinterpret_cast<uint8_t*>(tag), sizeof(tag)));
    EXPECT_STREQ(tag, "data");
    uint32_t queues = 0;
    driver->transport->read(mmio::kConfig + 36, std::span(reinterpret_cast<uint8_t*>(&queues), 4));
    EXPECT_EQ(queues, 1u);
}

TEST_F(FsDeviceTest, RefusesBadTagsAndExports)
{
    EXPECT_FALSE(FsDevice::create("", {}).ok());
    EXPECT_FALSE(FsDevice::create(std::string(37, 't'), {}).ok());
    EXPECT_FALSE(FsDevice::create("a,b", {}).ok());
    EXPECT_FALSE(FsDevice::create("t", { { directory + "/missing", "", false } }).ok());
    EXPECT_FALSE(FsDevice::create("t", { { directory, "", false }, { directory, "x", false } }).ok());
    EXPECT_FALSE(FsDevice::create("t", { { directory, "x", false }, { directory, "x", false } }).ok());
    EXPECT_FALSE(FsDevice::create("t", { { directory, "..", false } }).ok());
    EXPECT_TRUE(FsDevice::create("t", {}).ok());
}

TEST_F(FsDeviceTest, AnswersInitThenRequests)
{
    auto [header, written] = send(init_request());
    EXPECT_EQ(header.error, 0);
    EXPECT_EQ(header.unique, 1u);
    EXPECT_EQ(written, sizeof(fuse_out_header) + sizeof(fuse_init_out));
    fuse_getattr_in getattr {};
    auto [attr, attr_written] = send(request(FUSE_GETATTR, 2, &getattr, sizeof(getattr)));
    EXPECT_EQ(attr.error, 0);
    EXPECT_EQ(attr_written, sizeof(fuse_out_header) + sizeof(fuse_attr_out));
}

TEST_F(FsDeviceTest, ALengthBeyondTheRequestIsRefused)
{
    send(init_request());
    fuse_getattr_in getattr {};
    auto [header, written] = send(request(FUSE_GETATTR, 3, &getattr, sizeof(getattr), 1000));
    EXPECT_EQ(header.error, -EINVAL);
    EXPECT_EQ(header.unique, 3u);
    EXPECT_EQ(written, sizeof(fuse_out_header));
    // And one shorter than its own header.
    auto shorter = request(FUSE_GETATTR, 4, &getattr, sizeof(getattr));
    uint32_t too_short = 8;
    std::memcpy(shorter.data(), &too_short, sizeof(too_short));
    EXPECT_EQ(send(shorter).first.error, -EINVAL);
}

TEST_F(FsDeviceTest, AChainWithoutAHeaderGoesBackUnanswered)
{
    auto in = driver->readable(std::vector<uint8_t>(8, 0));
    auto out = driver->writable(64);
    driver->add_chain(FsDevice::kRequestQueue, { in, out });
    driver->kick(FsDevice::kRequestQueue);
    auto used = driver->take_used(FsDevice::kRequestQueue);
    ASSERT_EQ(used.size(), 1u);
    EXPECT_EQ(used[0].length, 0u);
}

TEST_F(FsDeviceTest, ForgetOnTheHighPriorityQueueHasNoReply)
{
    send(init_request());
    fuse_forget_in forget { 1 };
    auto in = driver->readable(request(FUSE_FORGET, 9, &forget, sizeof(forget)));
    driver->add_chain(FsDevice::kHighPriorityQueue, { in });
    driver->kick(FsDevice::kHighPriorityQueue);
    auto used = driver->take_used(FsDevice::kHighPriorityQueue);
    ASSERT_EQ(used.size(), 1u);
    EXPECT_EQ(used[0].length, 0u);
}

TEST_F(FsDeviceTest, ASnapshotIsRefusedWhileMountedAndKeepsTheTag)
{
    EXPECT_TRUE(device->check_snapshot().ok());
    send(init_request());
    EXPECT_FALSE(device->check_snapshot().ok());
    send(request(FUSE_DESTROY, 5, nullptr, 0));
    EXPECT_TRUE(device->check_snapshot().ok());
    auto state = driver->save_state();
    auto same = FsDevice::create("data", {}).release_value();
    auto copy = driver->copy_guest(*same);
    EXPECT_TRUE(copy->restore_state(state).ok());
    auto other = FsDevice::create("other", {}).release_value();
    auto wrong = driver->copy_guest(*other);
    EXPECT_FALSE(wrong->restore_state(state).ok());
}

TEST_F(FsDeviceTest, AResetEndsTheSession)
{
    send(init_request());
    EXPECT_FALSE(device->check_snapshot().ok());
    driver->write_register(mmio::kStatusReg, 0);
    EXPECT_TRUE(device->check_snapshot().ok());
}
