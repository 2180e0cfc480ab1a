#include "vmm/kvm/vcpu_exit.h"

#include <gtest/gtest.h>

#include <memory>

namespace vmlet {

namespace {

// A kvm_run area as KVM would map it: the structure followed by the rest of its page.
struct FakeRunArea {
    static constexpr size_t kSize = 4096;
    std::unique_ptr<uint8_t[]> bytes = std::make_unique<uint8_t[]>(kSize);
    kvm_run& run() { return *reinterpret_cast<kvm_run*>(bytes.get()); }
};

}

TEST(VcpuExit, DecodesPortIoWithItsDataInsideKvmRun)
{
    FakeRunArea area;
    auto& run = area.run();
    run.exit_reason = KVM_EXIT_IO;
    run.io.direction = KVM_EXIT_IO_OUT;
    run.io.size = 1;
    run.io.port = 0x3f8;
    run.io.count = 3;
    run.io.data_offset = 1024;
    auto exit = decode_exit(run, FakeRunArea::kSize);
    ASSERT_TRUE(exit.ok());
    auto& io = std::get<exits::PortIo>(exit.value());
    EXPECT_TRUE(io.is_write);
    EXPECT_EQ(io.port, 0x3f8);
    EXPECT_EQ(io.data.size(), 3u);
    EXPECT_EQ(io.data.data(), area.bytes.get() + 1024);
}

TEST(VcpuExit, RefusesPortIoDataOutsideKvmRun)
{
    FakeRunArea area;
    auto& run = area.run();
    run.exit_reason = KVM_EXIT_IO;
    run.io.size = 4;
    run.io.count = 0xffffffff;
    run.io.data_offset = 1024;
    EXPECT_FALSE(decode_exit(run, FakeRunArea::kSize).ok());
    run.io.count = 1;
    run.io.data_offset = UINT64_MAX - 1;
    EXPECT_FALSE(decode_exit(run, FakeRunArea::kSize).ok());
    run.io.data_offset = 1024;
    run.io.size = 3;
    EXPECT_FALSE(decode_exit(run, FakeRunArea::kSize).ok());
}

TEST(VcpuExit, RefusesBadMmioLengths)
{
    FakeRunArea area;
    auto& run = area.run();
    run.exit_reason = KVM_EXIT_MMIO;
    run.mmio.phys_addr = 0xd0000000;
    run.mmio.len = 9;
    EXPECT_FALSE(decode_exit(run, FakeRunArea::kSize).ok());
    run.mmio.len = 0;
    EXPECT_FALSE(decode_exit(run, FakeRunArea::kSize).ok());
    run.mmio.len = 4;
    run.mmio.is_write = 1;
    auto exit = decode_exit(run, FakeRunArea::kSize);
    ASSERT_TRUE(exit.ok());
    EXPECT_EQ(std::get<exits::Mmio>(exit.value()).data.size(), 4u);
}

TEST(VcpuExit, EveryOtherReasonHasItsOwnType)
{
    FakeRunArea area;
    auto& run = area.run();
    run.exit_reason = KVM_EXIT_SHUTDOWN;
    EXPECT_TRUE(std::holds_alternative<exits::Shutdown>(decode_exit(run, FakeRunArea::kSize).value()));
    run.exit_reason = KVM_EXIT_INTERNAL_ERROR;
    run.internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
    EXPECT_EQ(std::get<exits::InternalError>(decode_exit(run, FakeRunArea::kSize).value()).suberror, uint32_t(KVM_INTERNAL_ERROR_EMULATION));
    run.exit_reason = 9999;
    EXPECT_EQ(std::get<exits::Unhandled>(decode_exit(run, FakeRunArea::kSize).value()).reason, 9999u);
}

}
