#pragma once

#include "vmm/bus/bus_device.h"

#include <cstdint>
#include <functional>

namespace vmlet {

// vmlet's guest-to-VMM signal ports, written by our guest init (guest/init):
//   0xf4  the exit status of the command it ran (a byte; compatible with QEMU's isa-debug-exit)
//   0xf5  "init reached", the boot timer's end mark
// It holds no state (each write is reported as it happens), so a snapshot saves nothing for it.
class ExitPort final : public BusDevice {
public:
    static constexpr uint64_t kBasePort = 0xf4;
    static constexpr uint64_t kPortCount = 2;

    ExitPort(std::function<void(uint8_t)> on_exit_status, std::function<void()> on_init_reached);

    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<const uint8_t> data) override;

private:
    std::function<void(uint8_t)> m_on_exit_status;
    std::function<void()> m_on_init_reached;
};

}
