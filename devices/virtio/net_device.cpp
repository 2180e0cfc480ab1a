#include "devices/virtio/net_device.h"

#include <linux/if_tun.h>
#include <limits.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>

namespace vmlet::virtio {

namespace {

// §5.1.3 feature bits.
enum NetFeature : uint32_t {
    kFeatureChecksum = 0,      // the guest may hand over frames with partial checksums
    kFeatureGuestChecksum = 1, // the guest takes frames with partial checksums
    kFeatureMac = 5,
    kFeatureGuestTso4 = 7,
    kFeatureGuestTso6 = 8,
    kFeatureHostTso4 = 11,
    kFeatureHostTso6 = 12,
    kFeatureMergeableBuffers = 15,
};

// §5.1.6 struct virtio_net_hdr: 12 bytes with VERSION_1; num_buffers is its last field.
constexpr size_t kHeaderSize = 12;
constexpr size_t kNumBuffersOffset = 10;
// The largest frame either side may pass: a 64 KiB GSO frame plus its Ethernet header.
constexpr size_t kMaxFrame = kHeaderSize + 65536 + 14 + 4;

}

uint64_t NetDevice::device_features() const
{
    return feature(kFeatureChecksum) | feature(kFeatureGuestChecksum) | feature(kFeatureMac) | feature(kFeatureGuestTso4)
        | feature(kFeatureGuestTso6) | feature(kFeatureHostTso4) | feature(kFeatureHostTso6) | feature(kFeatureMergeableBuffers);
}

void NetDevice::read_config(uint64_t offset, std::span<uint8_t> data) const
{
    // §5.1.4: mac[6] first; nothing else is offered.
    copy_config_field(offset, data, 0, m_mac);
}

void NetDevice::save_state(StateWriter& writer) const
{
    writer.bytes(m_mac);
}

Result<void> NetDevice::restore_state(StateReader& reader)
{
    auto mac = TRY(reader.bytes("mac", m_mac.size()));
    if (mac.size() != m_mac.size())
        return reader.failure("mac", fmt::format("is {} bytes, not {}", mac.size(), m_mac.size()));
    std::copy(mac.begin(), mac.end(), m_mac.begin());
    return {};
}

Result<void> NetDevice::attach_backend(EventLoop& loop)
{
    m_loop = &loop;
    return loop.add(m_packets.get(), 0, [this](uint32_t) { on_packets_readable(); });
}

void NetDevice::set_receive_interest(bool wanted)
{
    if (!m_loop || wanted == m_receive_interest)
        return;
    m_receive_interest = wanted;
    (void)m_loop->modify(m_packets.get(), wanted ? uint32_t(EPOLLIN) : 0u);
}

Result<void> NetDevice::activate()
{
    unsigned offload = 0;
    if (context().negotiated(kFeatureGuestChecksum)) {
        offload |= TUN_F_CSUM;
        if (context().negotiated(kFeatureGuestTso4))
            offload |= TUN_F_TSO4;
        if (context().negotiated(kFeatureGuestTso6))
            offload |= TUN_F_TSO6;
    }
    if (m_set_offload)
        TRY(m_set_offload(offload));
    m_frame.resize(kMaxFrame);
    set_receive_interest(true);
    return {};
}

void NetDevice::reset()
{
    set_receive_interest(false);
    m_frame_length = 0;
}

Result<void> NetDevice::process_queue(uint16_t queue)
{
    if (queue == kTransmitQueue)
        return transmit();
    // New receive buffers: finish the frame that was waiting for them, then read on.
    set_receive_interest(true);
    return receive();
}

void NetDevice::on_packets_readable()
{
    std::lock_guard lock(mutex());
    if (!active()) {
        set_receive_interest(false);
        return;
    }
    auto received = receive();
    if (!received.ok())
        context().fail(received.error());
}

Result<void> NetDevice::transmit()
{
    auto& queue = context().queue(kTransmitQueue);
    for (;;) {
        auto chain = TRY(queue.next());
        if (!chain)
            break;
        // A frame without a header, or larger than any frame can be, is dropped, as a NIC drops
        // a malformed frame; so is one the tap has no room for (TCP resends it).
        if (chain->readable_bytes >= kHeaderSize && chain->readable_bytes <= kMaxFrame) {
            m_iovecs.clear();
            ChainReader reader(chain->readable);
            reader.take(chain->readable_bytes, m_iovecs);
            if (m_iovecs.size() <= IOV_MAX)
                (void)!::writev(m_packets.get(), m_iovecs.data(), int(m_iovecs.size()));
        }
        TRY(queue.push_used(chain->head, 0));
    }
    return notify_used(kTransmitQueue);
}

Result<void> NetDevice::receive()
{
    bool delivered = false;
    for (;;) {
        if (m_frame_length == 0) {
            ssize_t length = ::read(m_packets.get(), m_frame.data(), m_frame.size());
            if (length < 0 && errno == EINTR)
                continue;
            if (length <= 0)
                break; // EAGAIN: drained
            if (size_t(length) < kHeaderSize)
                continue; // not a frame the guest could parse
            m_frame_length = size_t(length);
        }
        if (!TRY(deliver_pending())) {
            // Out of receive buffers: stop reading until the driver adds some (its notify brings
            // us back through process_queue); the tap queues frames meanwhile.
            set_receive_interest(false);
            break;
        }
        delivered = true;
    }
    return delivered ? notify_used(kReceiveQueue) : Result<void> {};
}

Result<bool> NetDevice::deliver_pending()
{
    auto& queue = context().queue(kReceiveQueue);
    bool mergeable = context().negotiated(kFeatureMergeableBuffers);
    std::span<const uint8_t> rest(m_frame.data(), m_frame_length);
    auto& used = m_used;
    used.clear();
    std::optional<DescriptorChain> first;
    while (!rest.empty()) {
        auto chain = TRY(queue.pop());
        if (!chain) {
            for (size_t count = 0; count < used.size(); ++count)
                queue.unpop();
            return false;
        }
        ChainWriter writer(chain->writable);
        if (used.empty() && writer.remaining() < kHeaderSize)
            return make_error("a receive buffer of {} bytes cannot hold the {}-byte header", writer.remaining(), kHeaderSize);
        size_t piece = size_t(std::min<uint64_t>(rest.size(), writer.remaining()));
        writer.write(rest.first(piece));
        rest = rest.subspan(piece);
        used.emplace_back(chain->head, writer.written());
        if (!first)
            first = std::move(chain);
        if (!mergeable && !rest.empty()) {
            // §5.1.6.3.1: without mergeable buffers every buffer must hold a whole frame; this
            // driver's does not, so the frame is dropped and the buffer given back untouched.
            queue.unpop();
            m_frame_length = 0;
            return true;
        }
    }
    // §5.1.6.4: num_buffers says how many buffers the frame took (1 without MRG_RXBUF).
    uint16_t buffers = uint16_t(used.size());
    ChainWriter header(first->writable);
    m_iovecs.clear();
    header.take(kNumBuffersOffset, m_iovecs); // skips to the field
    header.write_object(buffers);
    for (auto [head, written] : used)
        TRY(queue.push_used(head, written));
    m_frame_length = 0;
    return true;
}

}
