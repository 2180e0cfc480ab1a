#pragma once

#include "devices/virtio/chain_io.h"
#include "devices/virtio/virtio_device.h"
#include "devices/virtio/virtio_spec.h"
#include "vmm/base/unique_fd.h"

#include <array>
#include <functional>

namespace vmlet::virtio {

// virtio network device (virtio 1.2 §5.1), one queue pair, over a packet file descriptor (a tap
// opened with a 12-byte vnet header; a SOCK_SEQPACKET socket in tests). Each frame carries the
// struct virtio_net_hdr both ways, so checksum and segmentation offloads pass straight through:
// a 64 KiB TSO frame costs the guest one trip through its stack instead of 45, which is what
// matters when guest kernel code is interpreted. Received frames are spread over as many
// receive buffers as they need (VIRTIO_NET_F_MRG_RXBUF).
class NetDevice final : public VirtioDevice {
public:
    static constexpr uint16_t kQueueSize = 256;
    static constexpr uint16_t kReceiveQueue = 0;
    static constexpr uint16_t kTransmitQueue = 1;
    using MacAddress = std::array<uint8_t, 6>;
    // Tells the tap which offloads (TUN_F_* flags) the guest accepted in received frames.
    using OffloadSetter = std::function<Result<void>(unsigned)>;

    NetDevice(UniqueFd packets, MacAddress mac, OffloadSetter set_offload)
        : m_packets(std::move(packets))
        , m_mac(mac)
        , m_set_offload(std::move(set_offload))
    {
    }

    uint32_t device_id() const override { return kNetDevice; }
    uint64_t device_features() const override;
    std::vector<uint16_t> queue_max_sizes() const override { return { kQueueSize, kQueueSize }; }
    void read_config(uint64_t offset, std::span<uint8_t> data) const override;
    Result<void> attach_backend(EventLoop& loop) override;
    Result<void> activate() override;
    void reset() override;
    Result<void> process_queue(uint16_t queue) override;
    // A snapshot keeps the MAC address: the driver read it when it probed (§5.1.4) and the
    // guest's interface has used it since, so a restored device answers with it whatever it was
    // given. Nothing else: the tap is new, and a frame read from the old one but not yet
    // delivered is lost as on a wire (TCP sends it again).
    void save_state(StateWriter& writer) const override;
    Result<void> restore_state(StateReader& reader) override;

    // The back-end has frames to read (the event loop calls this when the fd is readable).
    void on_packets_readable();

private:
    Result<void> transmit();
    Result<void> receive();
    // Puts the pending frame into receive buffers; false when the guest has not given enough.
    Result<bool> deliver_pending();
    void set_receive_interest(bool wanted);

    UniqueFd m_packets;
    MacAddress m_mac;
    OffloadSetter m_set_offload;
    EventLoop* m_loop { nullptr };
    bool m_receive_interest { false };
    std::vector<uint8_t> m_frame;   // a received frame waiting for buffers
    size_t m_frame_length { 0 };    // 0: none waiting
    std::vector<iovec> m_iovecs;
    std::vector<std::pair<uint16_t, uint32_t>> m_used; // (head, bytes) of the frame being delivered
};

}
