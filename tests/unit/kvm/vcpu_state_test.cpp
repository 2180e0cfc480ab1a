#include "vmm/kvm/vcpu_state.h"

#include <gtest/gtest.h>

#include <cstring>

namespace vmlet {

namespace {

template<typename T>
bool same_bytes(const T& a, const T& b)
{
    return std::memcmp(&a, &b, sizeof(T)) == 0;
}

// Every field different from zero and from the others, so a swap or a skip shows.
VcpuState sample_state(bool with_xsave)
{
    VcpuState state {};
    state.mp_state.mp_state = KVM_MP_STATE_HALTED;
    state.regs.rax = 0x1111;
    state.regs.rip = 0x100015;
    state.regs.rflags = 0x2;
    state.sregs.cr0 = 0x80000011;
    state.sregs.efer = 0x500;
    state.sregs.apic_base = 0xfee00900;
    if (with_xsave) {
        XsaveImage image { std::vector<uint8_t>(4096) };
        for (size_t i = 0; i < image.bytes.size(); ++i)
            image.bytes[i] = uint8_t(i * 7);
        state.fpu = image;
        kvm_xcrs xcrs {};
        xcrs.nr_xcrs = 1;
        xcrs.xcrs[0].value = 0x7;
        state.xcrs = xcrs;
    } else {
        kvm_fpu fpu {};
        fpu.fcw = 0x37f;
        fpu.mxcsr = 0x1f80;
        fpu.xmm[3][5] = 0xaa;
        state.fpu = fpu;
    }
    state.debugregs.dr7 = 0x400;
    state.lapic.regs[0x20] = 0x01;
    state.lapic.regs[0x350] = 0x07;
    state.msrs = { { 0x10, 0, 123456789 }, { 0x4b564d01, 0, 0x2001 }, { 0xc0000082, 0, 0xffffffff81000000 } };
    state.events.nmi.masked = 1;
    state.events.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW;
    return state;
}

std::vector<uint8_t> bytes_of(const VcpuState& state)
{
    StateWriter writer;
    write_vcpu_state(writer, state);
    return writer.data();
}

Result<VcpuState> read_back(std::span<const uint8_t> bytes)
{
    StateReader reader(bytes, "vcpu 0");
    auto state = TRY(read_vcpu_state(reader));
    TRY(reader.expect_end());
    return state;
}

void expect_equal(const VcpuState& a, const VcpuState& b)
{
    EXPECT_TRUE(same_bytes(a.mp_state, b.mp_state));
    EXPECT_TRUE(same_bytes(a.regs, b.regs));
    EXPECT_TRUE(same_bytes(a.sregs, b.sregs));
    ASSERT_EQ(a.fpu.index(), b.fpu.index());
    if (auto* xsave = std::get_if<XsaveImage>(&a.fpu)) {
        EXPECT_EQ(xsave->bytes, std::get<XsaveImage>(b.fpu).bytes);
    } else {
        EXPECT_TRUE(same_bytes(std::get<kvm_fpu>(a.fpu), std::get<kvm_fpu>(b.fpu)));
    }
    ASSERT_EQ(a.xcrs.has_value(), b.xcrs.has_value());
    if (a.xcrs) {
        EXPECT_TRUE(same_bytes(*a.xcrs, *b.xcrs));
    }
    EXPECT_TRUE(same_bytes(a.debugregs, b.debugregs));
    EXPECT_TRUE(same_bytes(a.lapic, b.lapic));
    ASSERT_EQ(a.msrs.size(), b.msrs.size());
    for (size_t i = 0; i < a.msrs.size(); ++i)
        EXPECT_TRUE(same_bytes(a.msrs[i], b.msrs[i])) << "MSR " << i;
    EXPECT_TRUE(same_bytes(a.events, b.events));
}

// Where each field starts in the stream of sample_state(true): raw structures are a u32 length and
// the bytes; the FPU tag one byte.
constexpr size_t kMpStateOffset = 0;
constexpr size_t kRegsOffset = kMpStateOffset + 4 + sizeof(kvm_mp_state);
constexpr size_t kSregsOffset = kRegsOffset + 4 + sizeof(kvm_regs);
constexpr size_t kFpuTagOffset = kSregsOffset + 4 + sizeof(kvm_sregs);
constexpr size_t kXsaveLengthOffset = kFpuTagOffset + 1;

void put_u32(std::vector<uint8_t>& bytes, size_t offset, uint32_t value)
{
    for (size_t i = 0; i < 4; ++i)
        bytes[offset + i] = uint8_t(value >> (8 * i));
}

}

TEST(VcpuState, RoundTripsWithXsaveAndXcrs)
{
    auto state = sample_state(true);
    auto back = read_back(bytes_of(state));
    ASSERT_TRUE(back.ok()) << back.error().message();
    expect_equal(state, back.value());
}

TEST(VcpuState, RoundTripsWithTheLegacyFpuAndNoXcrs)
{
    auto state = sample_state(false);
    auto back = read_back(bytes_of(state));
    ASSERT_TRUE(back.ok()) << back.error().message();
    expect_equal(state, back.value());
}

TEST(VcpuState, RoundTripsAnXsaveImageLargerThan4096Bytes)
{
    auto state = sample_state(true);
    std::get<XsaveImage>(state.fpu).bytes.resize(11008, 0x5a); // with AMX's tile data
    auto back = read_back(bytes_of(state));
    ASSERT_TRUE(back.ok()) << back.error().message();
    expect_equal(state, back.value());
}

TEST(VcpuState, EveryTruncationIsRefused)
{
    auto bytes = bytes_of(sample_state(true));
    for (size_t size = 0; size < bytes.size(); ++size) {
        StateReader reader(std::span<const uint8_t>(bytes).first(size), "vcpu 0");
        auto state = read_vcpu_state(reader);
        ASSERT_FALSE(state.ok()) << "accepted " << size << " of " << bytes.size() << " bytes";
        EXPECT_NE(state.error().message().find("is cut short"), std::string::npos) << state.error().message();
    }
}

TEST(VcpuState, AStructureOfAnotherSizeIsRefused)
{
    // A kvm_regs of another kernel's size: the length says 8 bytes more, and they are there.
    auto bytes = bytes_of(sample_state(true));
    put_u32(bytes, kRegsOffset, sizeof(kvm_regs) + 8);
    bytes.insert(bytes.begin() + kSregsOffset, 8, 0);
    auto state = read_back(bytes);
    ASSERT_FALSE(state.ok());
    EXPECT_EQ(state.error().message(), fmt::format("vcpu 0: 'registers' is {} bytes, more than {}", sizeof(kvm_regs) + 8, sizeof(kvm_regs)));

    bytes = bytes_of(sample_state(true));
    put_u32(bytes, kRegsOffset, sizeof(kvm_regs) - 8);
    state = read_back(bytes);
    ASSERT_FALSE(state.ok());
    EXPECT_EQ(state.error().message(), fmt::format("vcpu 0: 'registers' is {} bytes, not {}", sizeof(kvm_regs) - 8, sizeof(kvm_regs)));
}

TEST(VcpuState, AnUnknownFpuFormIsRefused)
{
    auto bytes = bytes_of(sample_state(true));
    bytes[kFpuTagOffset] = 2;
    auto state = read_back(bytes);
    ASSERT_FALSE(state.ok());
    EXPECT_EQ(state.error().message(), "vcpu 0: 'FPU form' is 2, neither XSAVE nor legacy");
}

TEST(VcpuState, AnXsaveImageOutsideItsBoundsIsRefused)
{
    auto state = sample_state(true);
    std::get<XsaveImage>(state.fpu).bytes.resize(512); // only the legacy region
    auto small = read_back(bytes_of(state));
    ASSERT_FALSE(small.ok());
    EXPECT_EQ(small.error().message(), "vcpu 0: 'XSAVE image' is 512 bytes, fewer than 4096");

    auto bytes = bytes_of(sample_state(true));
    put_u32(bytes, kXsaveLengthOffset, 1u << 20);
    auto huge = read_back(bytes);
    ASSERT_FALSE(huge.ok());
    EXPECT_EQ(huge.error().message(), "vcpu 0: 'XSAVE image' is 1048576 bytes, more than 65536");
}

TEST(VcpuState, AnAbsurdMsrCountIsRefusedBeforeAnythingIsAllocated)
{
    auto state = sample_state(false);
    state.msrs.clear();
    auto bytes = bytes_of(state);
    // The count is the u32 before the events (a u32 length and the structure).
    size_t count_offset = bytes.size() - (4 + sizeof(kvm_vcpu_events)) - 4;
    put_u32(bytes, count_offset, 0xffffffff);
    auto back = read_back(bytes);
    ASSERT_FALSE(back.ok());
    EXPECT_EQ(back.error().message(), "vcpu 0: 'MSR count' is 4294967295, more than 1024");
}

TEST(VcpuState, AnInvalidXcrsFlagIsRefused)
{
    auto state = sample_state(false);
    auto bytes = bytes_of(state);
    // Legacy FPU: the XCRs flag follows kvm_fpu.
    size_t flag_offset = kFpuTagOffset + 1 + 4 + sizeof(kvm_fpu);
    ASSERT_EQ(bytes[flag_offset], 0);
    bytes[flag_offset] = 3;
    auto back = read_back(bytes);
    ASSERT_FALSE(back.ok());
    EXPECT_EQ(back.error().message(), "vcpu 0: 'XCRs present' is 3, not 0 or 1");
}

TEST(VcpuState, TrailingBytesAreLeftForTheCallerToRefuse)
{
    auto bytes = bytes_of(sample_state(true));
    bytes.push_back(0);
    auto back = read_back(bytes);
    ASSERT_FALSE(back.ok());
    EXPECT_EQ(back.error().message(), "vcpu 0: 1 bytes more than expected");
}

}
