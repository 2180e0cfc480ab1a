#pragma once

#include <cstdint>

// The virtio socket packet header and its constants (virtio 1.2 §5.10.6).
namespace vmlet::virtio::vsock {

// §5.10.6: every packet, both ways, starts with this little-endian header.
struct [[gnu::packed]] Header {
    uint64_t src_cid;
    uint64_t dst_cid;
    uint32_t src_port;
    uint32_t dst_port;
    uint32_t len; // payload bytes after the header
    uint16_t type;
    uint16_t op;
    uint32_t flags;
    uint32_t buf_alloc; // the sender's receive buffer for this connection (§5.10.6.3)
    uint32_t fwd_cnt;   // bytes the sender has taken out of that buffer so far
};
static_assert(sizeof(Header) == 44);

constexpr uint64_t kHostCid = 2; // §5.10.4: the host's well-known address
constexpr uint16_t kTypeStream = 1;

enum Op : uint16_t {
    kOpRequest = 1,
    kOpResponse = 2,
    kOpRst = 3,
    kOpShutdown = 4,
    kOpRw = 5,
    kOpCreditUpdate = 6,
    kOpCreditRequest = 7,
};

// §5.10.6.5 VIRTIO_VSOCK_OP_SHUTDOWN flags, from the sender's point of view.
constexpr uint32_t kShutdownReceive = 1; // the sender will receive no more data
constexpr uint32_t kShutdownSend = 2;    // the sender will send no more data

// Linux never puts more than 64 KiB in one packet (VIRTIO_VSOCK_MAX_PKT_BUF_SIZE); a longer
// claimed length is a malformed packet.
constexpr uint32_t kMaxPayload = 64 * 1024;

}
