#include "vmm/base/state_stream.h"

#include <gtest/gtest.h>

using namespace vmlet;

TEST(StateStream, FieldsAndSectionsRoundTrip)
{
    StateWriter writer;
    writer.u8(0xab);
    writer.u16(0xbeef);
    writer.u32(0xdeadbeef);
    writer.u64(0x0123456789abcdefull);
    writer.boolean(true);
    writer.string("hello");
    writer.section("device", [](StateWriter& inner) { inner.u32(7); });
    struct Pod {
        uint32_t a;
        uint16_t b;
    } pod { 1, 2 };
    writer.raw(pod);

    StateReader reader(writer.data());
    EXPECT_EQ(reader.u8("a").value(), 0xab);
    EXPECT_EQ(reader.u16("b").value(), 0xbeef);
    EXPECT_EQ(reader.u32("c").value(), 0xdeadbeefu);
    EXPECT_EQ(reader.u64("d").value(), 0x0123456789abcdefull);
    EXPECT_TRUE(reader.boolean("e").value());
    EXPECT_EQ(reader.string("f", 16).value(), "hello");
    auto section = reader.section("device");
    ASSERT_TRUE(section.ok()) << section.error().message();
    EXPECT_EQ(section.value().u32("g").value(), 7u);
    EXPECT_TRUE(section.value().expect_end().ok());
    auto back = reader.raw<Pod>("pod");
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back.value().a, 1u);
    EXPECT_EQ(back.value().b, 2u);
    EXPECT_TRUE(reader.at_end());
    // Little-endian on the wire, whatever the host.
    EXPECT_EQ(writer.data()[1], 0xef);
    EXPECT_EQ(writer.data()[2], 0xbe);
}

TEST(StateStream, EveryShortOrWrongReadIsAnErrorNamingTheField)
{
    StateWriter writer;
    writer.u16(5);
    writer.section("serial", [](StateWriter& inner) { inner.u8(3); });
    auto data = writer.data();

    StateReader cut(std::span<const uint8_t>(data).first(1), "snapshot");
    EXPECT_EQ(cut.u16("line control").error().message(), "snapshot: 'line control' is cut short");

    StateReader wrong_name(data);
    (void)wrong_name.u16("x");
    EXPECT_EQ(wrong_name.section("pic").error().message(), "snapshot: 'pic' is missing (found section 'serial')");

    StateReader inner_short(data);
    (void)inner_short.u16("x");
    auto serial = inner_short.section("serial").value();
    (void)serial.u8("ier");
    EXPECT_EQ(serial.u8("lcr").error().message(), "snapshot: serial: 'lcr' is cut short");

    StateReader too_long(data);
    EXPECT_FALSE(too_long.bytes("blob", 1).ok());
    StateReader not_bool(data);
    EXPECT_NE(not_bool.boolean("flag").error().message().find("not 0 or 1"), std::string::npos);
    struct Big {
        uint64_t a, b;
    };
    StateReader wrong_size(data);
    (void)wrong_size.u16("x");
    (void)wrong_size.string("name", 64);
    EXPECT_FALSE(wrong_size.raw<Big>("state").ok());
    StateReader leftover(data);
    EXPECT_FALSE(leftover.expect_end().ok());
}

#include "vmm/base/crc32c.h"

// RFC 3720 B.4's check value, and a checksum that goes on across calls.
TEST(Crc32c, KnownValues)
{
    const std::string digits = "123456789";
    std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(digits.data()), digits.size());
    EXPECT_EQ(crc32c(bytes), 0xe3069283u);
    EXPECT_EQ(crc32c(bytes.subspan(4), crc32c(bytes.first(4))), 0xe3069283u);
    EXPECT_EQ(crc32c({}), 0u);
}
