#include "devices/legacy/serial_8250.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <vector>

namespace vmlet {

namespace {

struct RecordingLine final : InterruptLine {
    std::vector<bool> levels;
    void set_level(bool asserted) override { levels.push_back(asserted); }
    bool asserted() const { return !levels.empty() && levels.back(); }
};

class Serial8250Test : public ::testing::Test {
protected:
    void SetUp() override
    {
        ASSERT_EQ(::pipe2(m_pipe, O_NONBLOCK), 0);
        m_serial = std::make_unique<Serial8250>(m_line, m_pipe[1]);
    }
    void TearDown() override
    {
        ::close(m_pipe[0]);
        ::close(m_pipe[1]);
    }
    void out(uint64_t offset, uint8_t value) { m_serial->write(offset, std::span<const uint8_t>(&value, 1)); }
    uint8_t in(uint64_t offset)
    {
        uint8_t value = 0;
        m_serial->read(offset, std::span(&value, 1));
        return value;
    }
    std::string transmitted()
    {
        char buffer[256];
        ssize_t count = ::read(m_pipe[0], buffer, sizeof(buffer));
        return count > 0 ? std::string(buffer, size_t(count)) : std::string();
    }

    int m_pipe[2];
    RecordingLine m_line;
    std::unique_ptr<Serial8250> m_serial;
};

}

TEST_F(Serial8250Test, TransmitsBytesAndAlwaysReportsAnEmptyTransmitter)
{
    for (char c : std::string("hi\n"))
        out(0, uint8_t(c));
    EXPECT_EQ(transmitted(), "hi\n");
    EXPECT_EQ(in(5) & 0x60, 0x60);
    EXPECT_TRUE(m_line.levels.empty()); // no interrupt enabled, none raised
}

TEST_F(Serial8250Test, TransmitEmptyInterruptIsRaisedAndAcknowledgedThroughIir)
{
    out(1, 0x02); // IER: transmitter empty
    EXPECT_TRUE(m_line.asserted());
    EXPECT_EQ(in(2) & 0x0f, 0x02);
    EXPECT_FALSE(m_line.asserted()); // reading IIR acknowledged it
    EXPECT_EQ(in(2) & 0x0f, 0x01);
    out(0, 'x');
    EXPECT_TRUE(m_line.asserted()); // the byte left at once: empty again
    out(1, 0x00);
    EXPECT_FALSE(m_line.asserted());
}

TEST_F(Serial8250Test, ReceivedBytesRaiseTheDataInterruptUntilRead)
{
    out(1, 0x01); // IER: received data
    EXPECT_FALSE(m_line.asserted());
    std::vector<uint8_t> input { 'o', 'k' };
    EXPECT_EQ(m_serial->push_input(input), 2u);
    EXPECT_TRUE(m_line.asserted());
    EXPECT_EQ(in(2) & 0x0f, 0x04);
    EXPECT_EQ(in(5) & 0x01, 0x01);
    EXPECT_EQ(in(0), 'o');
    EXPECT_EQ(in(0), 'k');
    EXPECT_EQ(in(5) & 0x01, 0x00);
    EXPECT_FALSE(m_line.asserted());
    EXPECT_EQ(in(0), 0); // reading an empty receiver is harmless
}

TEST_F(Serial8250Test, InputBufferIsBoundedAndClosedUntilTheGuestListens)
{
    EXPECT_EQ(m_serial->input_space(), 0u); // receive interrupt not yet enabled
    out(1, 0x01);
    EXPECT_EQ(m_serial->input_space(), 1024u);
    std::vector<uint8_t> flood(5000, 'a');
    EXPECT_EQ(m_serial->push_input(flood), 1024u);
    EXPECT_EQ(m_serial->input_space(), 0u);
    in(0);
    EXPECT_EQ(m_serial->input_space(), 1u);
}

TEST_F(Serial8250Test, DivisorLatchAndLoopbackBehaveLikeA16550)
{
    out(3, 0x83); // DLAB
    out(0, 0x01);
    out(1, 0x00);
    EXPECT_EQ(in(0), 0x01);
    out(3, 0x03);
    out(2, 0x01); // FIFO on
    EXPECT_EQ(in(2) & 0xc0, 0xc0);
    out(4, 0x10 | 0x0a); // loopback with RTS and OUT2
    EXPECT_EQ(in(6) & 0xf0, 0x90);
    out(0, 'z');
    EXPECT_EQ(transmitted(), ""); // loopback keeps bytes off the wire
    out(7, 0x5a);
    EXPECT_EQ(in(7), 0x5a);
    uint8_t wide[4] = { 1, 2, 3, 4 };
    m_serial->read(9, std::span(wide, 4)); // out of range: zeroes, no crash
    EXPECT_EQ(wide[0], 0);
}

}
