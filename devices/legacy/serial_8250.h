#pragma once

#include "devices/console_output.h"
#include "devices/console_sink.h"
#include "vmm/base/state_stream.h"
#include "vmm/bus/bus_device.h"
#include "vmm/bus/interrupt_line.h"

#include <cstdint>
#include <deque>
#include <mutex>
#include <span>

namespace vmlet {

// A 16550A UART: the guest's console (ttyS0). Transmitted bytes go straight to `output_fd`, so the
// transmitter is always empty; received bytes come from push_input(). Register semantics follow
// the National Semiconductor PC16550D datasheet.
class Serial8250 final : public BusDevice, public ConsoleSink {
public:
    static constexpr uint64_t kCom1Port = 0x3f8;
    static constexpr uint64_t kPortCount = 8;
    static constexpr uint32_t kCom1Irq = 4;

    Serial8250(InterruptLine& interrupt, int output_fd);

    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<const uint8_t> data) override;

    // ConsoleSink: input waits in a 1 KiB receive buffer; there is no room until the guest's
    // driver has opened the port (the receive interrupt and OUT2 both on). So a driver that polls
    // the port without its interrupt (Linux with irq 0) gets no input, and one that probes for its
    // interrupt (CONFIG_SERIAL_8250_DETECT_IRQ, not in vmlet's kernel) may lose a byte to it.
    size_t push_input(std::span<const uint8_t> bytes) override;
    size_t input_space() override;

    // A snapshot: the registers the guest wrote (IER, LCR, MCR, FCR, SCR, the divisor latch),
    // whether a transmitter-empty interrupt is pending, the received bytes not yet read and the
    // interrupt line's level; LSR, MSR and IIR follow from these. Restoring checks each as the
    // registers would hold it and drives the line to the restored level, since the new VM's
    // interrupt controller learns it only from here.
    void save_state(StateWriter& writer) const;
    Result<void> restore_state(StateReader& reader);

private:
    uint8_t read_register(uint64_t offset);
    void write_register(uint64_t offset, uint8_t value);
    uint8_t interrupt_identification() const;
    void update_interrupt();

    static constexpr size_t kInputCapacity = 1024;

    mutable std::mutex m_lock;
    InterruptLine& m_interrupt;
    ConsoleOutput m_output;
    std::deque<uint8_t> m_input;
    bool m_transmit_interrupt_pending { false };
    bool m_line_asserted { false };
    uint8_t m_interrupt_enable { 0 };
    uint8_t m_line_control { 0x03 }; // 8N1
    uint8_t m_modem_control { 0 }; // a master reset clears every MCR bit (PC16550D, reset configuration)
    uint8_t m_fifo_control { 0 };
    uint8_t m_scratch { 0 };
    uint8_t m_divisor_low { 0x0c };  // 9600 baud
    uint8_t m_divisor_high { 0 };
};

}
