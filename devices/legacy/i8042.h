#pragma once

#include "vmm/bus/bus_device.h"

#include <functional>

namespace vmlet {

// Just enough of the PS/2 controller for the guest to reset the machine: Linux's reboot=k writes
// the pulse-reset command 0xfe to the command port (arch/x86/kernel/reboot.c). Ports 0x60-0x64;
// 0x61 belongs to KVM's in-kernel PIT and never reaches here. It holds no state (reads are always
// 0), so a snapshot saves nothing for it.
class I8042 final : public BusDevice {
public:
    static constexpr uint64_t kBasePort = 0x60;
    static constexpr uint64_t kPortCount = 5;

    explicit I8042(std::function<void()> on_reset);

    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<const uint8_t> data) override;

private:
    std::function<void()> m_on_reset;
};

}
