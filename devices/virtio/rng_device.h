#pragma once

#include "devices/virtio/virtio_device.h"
#include "devices/virtio/virtio_spec.h"

namespace vmlet::virtio {

// virtio entropy device (virtio 1.2 §5.4): one request queue whose buffers the device fills with
// bytes from the host's getrandom(). No feature bits, no configuration space, and no state of its
// own: a snapshot holds only its transport's registers and queue.
class RngDevice final : public VirtioDevice {
public:
    static constexpr uint16_t kQueueSize = 64;

    uint32_t device_id() const override { return kEntropyDevice; }
    uint64_t device_features() const override { return 0; }
    std::vector<uint16_t> queue_max_sizes() const override { return { kQueueSize }; }
    void read_config(uint64_t, std::span<uint8_t>) const override { }
    Result<void> process_queue(uint16_t queue) override;
};

}
