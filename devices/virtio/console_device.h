#pragma once

#include "devices/console_output.h"
#include "devices/console_sink.h"
#include "devices/virtio/virtio_device.h"
#include "devices/virtio/virtio_spec.h"

#include <deque>

namespace vmlet::virtio {

// virtio console (virtio 1.2 §5.3), one port without multiport: hvc0 in the guest. What the guest
// transmits goes to `output_fd`; host input arrives through ConsoleSink and waits (up to 4 KiB)
// for the guest's receive buffers.
class ConsoleDevice final : public VirtioDevice, public ConsoleSink {
public:
    static constexpr uint16_t kQueueSize = 64;
    static constexpr uint16_t kReceiveQueue = 0;
    static constexpr uint16_t kTransmitQueue = 1;

    explicit ConsoleDevice(int output_fd)
        : m_output(output_fd)
    {
    }

    uint32_t device_id() const override { return kConsoleDevice; }
    uint64_t device_features() const override { return 0; }
    std::vector<uint16_t> queue_max_sizes() const override { return { kQueueSize, kQueueSize }; }
    void read_config(uint64_t offset, std::span<uint8_t> data) const override;
    void reset() override { m_input.clear(); }
    Result<void> process_queue(uint16_t queue) override;
    // A snapshot keeps host input the guest has not read yet; the output is only a descriptor.
    void save_state(StateWriter& writer) const override;
    Result<void> restore_state(StateReader& reader) override;

    size_t push_input(std::span<const uint8_t> bytes) override;
    size_t input_space() override;

private:
    Result<void> transmit();
    Result<void> deliver_input();

    static constexpr size_t kInputCapacity = 4096;

    ConsoleOutput m_output;
    std::deque<uint8_t> m_input;
};

}
