#include "devices/legacy/serial_8250.h"

#include <unistd.h>

namespace vmlet {

// Register offsets (PC16550D, table II).
enum : uint64_t { kData = 0, kInterruptEnable = 1, kInterruptId = 2, kLineControl = 3, kModemControl = 4, kLineStatus = 5, kModemStatus = 6, kScratch = 7 };

constexpr uint8_t kIerMask = 0x0f; // the bits a 16550 implements
constexpr uint8_t kMcrMask = 0x1f;
constexpr uint8_t kIerReceivedData = 0x01;
constexpr uint8_t kIerTransmitEmpty = 0x02;
constexpr uint8_t kIirNoInterrupt = 0x01;
constexpr uint8_t kIirTransmitEmpty = 0x02;
constexpr uint8_t kIirReceivedData = 0x04;
constexpr uint8_t kIirFifoEnabled = 0xc0;
constexpr uint8_t kFcrFifoEnable = 0x01;
constexpr uint8_t kLcrDivisorLatch = 0x80;
constexpr uint8_t kLsrDataReady = 0x01;
constexpr uint8_t kLsrTransmitEmpty = 0x20 | 0x40; // THRE and TEMT: bytes leave at once
constexpr uint8_t kMcrOut2 = 0x08;
constexpr uint8_t kMcrLoopback = 0x10;
constexpr uint8_t kMsrCarrierDsrCts = 0xb0;

namespace {

// IIR's interrupt identification for the two sources this UART has, received data first
// (PC16550D, table IV).
uint8_t identification(uint8_t interrupt_enable, bool data_ready, bool transmit_interrupt_pending)
{
    if ((interrupt_enable & kIerReceivedData) && data_ready)
        return kIirReceivedData;
    if ((interrupt_enable & kIerTransmitEmpty) && transmit_interrupt_pending)
        return kIirTransmitEmpty;
    return kIirNoInterrupt;
}

}

Serial8250::Serial8250(InterruptLine& interrupt, int output_fd)
    : m_interrupt(interrupt)
    , m_output(output_fd)
{
}

void Serial8250::read(uint64_t offset, std::span<uint8_t> data)
{
    std::scoped_lock guard(m_lock);
    // The UART is byte-wide; wider accesses read the register and pad with zeroes.
    for (auto& byte : data)
        byte = 0;
    if (!data.empty() && offset < kPortCount)
        data[0] = read_register(offset);
    update_interrupt();
}

void Serial8250::write(uint64_t offset, std::span<const uint8_t> data)
{
    std::scoped_lock guard(m_lock);
    if (!data.empty() && offset < kPortCount)
        write_register(offset, data[0]);
    update_interrupt();
}

size_t Serial8250::push_input(std::span<const uint8_t> bytes)
{
    std::scoped_lock guard(m_lock);
    size_t accepted = 0;
    for (uint8_t byte : bytes) {
        if (m_input.size() >= kInputCapacity)
            break;
        m_input.push_back(byte);
        ++accepted;
    }
    update_interrupt();
    return accepted;
}

size_t Serial8250::input_space()
{
    std::scoped_lock guard(m_lock);
    // Until the guest's driver has opened the port it is not listening: Linux reads RBR and drops
    // the byte when it probes the port (autoconfig) and twice more when it starts it
    // (serial8250_do_startup). The probe tests IER by writing 0x0f, the receive interrupt
    // included, but leaves MCR as reset left it; only startup also raises OUT2, the line a PC
    // wires as the UART's interrupt gate. So input waits for both, and for the end of loopback,
    // in which a 16550 takes nothing from the wire (PC16550D, MCR bit 4).
    bool listening = (m_interrupt_enable & kIerReceivedData) && (m_modem_control & kMcrOut2) && !(m_modem_control & kMcrLoopback);
    if (!listening)
        return 0;
    return kInputCapacity - m_input.size();
}

void Serial8250::save_state(StateWriter& writer) const
{
    std::scoped_lock guard(m_lock);
    writer.u8(m_interrupt_enable);
    writer.u8(m_line_control);
    writer.u8(m_modem_control);
    writer.u8(m_fifo_control);
    writer.u8(m_scratch);
    writer.u8(m_divisor_low);
    writer.u8(m_divisor_high);
    writer.boolean(m_transmit_interrupt_pending);
    writer.bytes(std::vector<uint8_t>(m_input.begin(), m_input.end()));
    writer.boolean(m_line_asserted);
}

Result<void> Serial8250::restore_state(StateReader& reader)
{
    std::scoped_lock guard(m_lock);
    auto interrupt_enable = TRY(reader.u8("interrupt enable"));
    auto line_control = TRY(reader.u8("line control"));
    auto modem_control = TRY(reader.u8("modem control"));
    auto fifo_control = TRY(reader.u8("FIFO control"));
    auto scratch = TRY(reader.u8("scratch"));
    auto divisor_low = TRY(reader.u8("divisor latch low"));
    auto divisor_high = TRY(reader.u8("divisor latch high"));
    auto transmit_interrupt_pending = TRY(reader.boolean("transmit interrupt pending"));
    auto input = TRY(reader.bytes("received bytes", kInputCapacity));
    auto line_asserted = TRY(reader.boolean("interrupt line"));
    if (interrupt_enable & ~kIerMask)
        return reader.failure("interrupt enable", fmt::format("{:#x} has bits a 16550 does not have", interrupt_enable));
    if (modem_control & ~kMcrMask)
        return reader.failure("modem control", fmt::format("{:#x} has bits a 16550 does not have", modem_control));
    // The line follows the registers after every access; a saved level that disagrees was altered.
    bool pending = identification(interrupt_enable, !input.empty(), transmit_interrupt_pending) != kIirNoInterrupt;
    if (line_asserted != pending)
        return reader.failure("interrupt line", line_asserted ? "is raised with no interrupt pending" : "is low with an interrupt pending");

    m_interrupt_enable = interrupt_enable;
    m_line_control = line_control;
    m_modem_control = modem_control;
    m_fifo_control = fifo_control;
    m_scratch = scratch;
    m_divisor_low = divisor_low;
    m_divisor_high = divisor_high;
    m_transmit_interrupt_pending = transmit_interrupt_pending;
    m_input.assign(input.begin(), input.end());
    // Driven either way, whatever this device's line was: the interrupt controller of the VM
    // being restored learns the level only from here.
    m_line_asserted = line_asserted;
    m_interrupt.set_level(line_asserted);
    return {};
}

uint8_t Serial8250::read_register(uint64_t offset)
{
    bool divisor_latch = m_line_control & kLcrDivisorLatch;
    switch (offset) {
    case kData: {
        if (divisor_latch)
            return m_divisor_low;
        if (m_input.empty())
            return 0;
        uint8_t byte = m_input.front();
        m_input.pop_front();
        return byte;
    }
    case kInterruptEnable:
        return divisor_latch ? m_divisor_high : m_interrupt_enable;
    case kInterruptId: {
        uint8_t identification = interrupt_identification();
        // Reading IIR while it reports "transmitter empty" acknowledges that interrupt.
        if (identification == kIirTransmitEmpty)
            m_transmit_interrupt_pending = false;
        return identification | ((m_fifo_control & kFcrFifoEnable) ? kIirFifoEnabled : 0);
    }
    case kLineControl:
        return m_line_control;
    case kModemControl:
        return m_modem_control;
    case kLineStatus:
        return kLsrTransmitEmpty | (m_input.empty() ? 0 : kLsrDataReady);
    case kModemStatus:
        if (m_modem_control & kMcrLoopback) {
            // Loopback wires DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD (PC16550D, MCR bit 4).
            uint8_t mcr = m_modem_control;
            return uint8_t(((mcr & 0x01) << 5) | ((mcr & 0x02) << 3) | ((mcr & 0x04) << 4) | ((mcr & 0x08) << 4));
        }
        return kMsrCarrierDsrCts;
    case kScratch:
        return m_scratch;
    }
    return 0;
}

void Serial8250::write_register(uint64_t offset, uint8_t value)
{
    bool divisor_latch = m_line_control & kLcrDivisorLatch;
    switch (offset) {
    case kData:
        if (divisor_latch) {
            m_divisor_low = value;
        } else {
            if (!(m_modem_control & kMcrLoopback))
                m_output.write({ &value, 1 });
            m_transmit_interrupt_pending = true;
        }
        break;
    case kInterruptEnable:
        if (divisor_latch) {
            m_divisor_high = value;
        } else {
            // Enabling the transmit interrupt while the transmitter is empty raises it at once.
            if ((value & kIerTransmitEmpty) && !(m_interrupt_enable & kIerTransmitEmpty))
                m_transmit_interrupt_pending = true;
            m_interrupt_enable = value & kIerMask;
        }
        break;
    case kInterruptId:
        m_fifo_control = value;
        break;
    case kLineControl:
        m_line_control = value;
        break;
    case kModemControl:
        m_modem_control = value & kMcrMask;
        break;
    case kScratch:
        m_scratch = value;
        break;
    default:
        break; // LSR and MSR are read-only
    }
}

uint8_t Serial8250::interrupt_identification() const
{
    return identification(m_interrupt_enable, !m_input.empty(), m_transmit_interrupt_pending);
}

void Serial8250::update_interrupt()
{
    bool asserted = interrupt_identification() != kIirNoInterrupt;
    if (asserted != m_line_asserted) {
        m_line_asserted = asserted;
        m_interrupt.set_level(asserted);
    }
}

}
