#pragma once

#include "devices/virtio/vsock_packet.h"
#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"

#include <sys/uio.h>

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace vmlet::virtio::vsock {

// One stream between a guest socket and a host AF_UNIX socket: its state, the credit each side
// has given the other (virtio 1.2 §5.10.6.3) and the control packets it owes the guest. It does
// the host-side I/O; the device moves its packets through the virtqueues.
class Connection {
public:
    enum class State {
        AwaitingConnectLine, // a host client connected to the device's socket; "CONNECT P\n" not read yet
        AwaitingResponse,    // REQUEST sent to the guest, no RESPONSE yet
        Established,
        Closing,             // the guest has gone; bytes it sent still drain into the host socket
    };
    // Control packets owed to the guest, sent before any data.
    enum Pending : uint32_t {
        kPendingRequest = 1,
        kPendingResponse = 2,
        kPendingCreditUpdate = 4,
        kPendingShutdown = 8,
        kPendingRst = 16,
    };
    // What this side buffers for the guest's data: the buf_alloc it advertises.
    static constexpr uint32_t kBufferSize = 256 * 1024;

    Connection(UniqueFd socket, State state, uint32_t host_port, uint32_t guest_port)
        : m_socket(std::move(socket))
        , m_state(state)
        , m_host_port(host_port)
        , m_guest_port(guest_port)
    {
    }

    int fd() const { return m_socket.get(); }
    State state() const { return m_state; }
    void set_state(State state) { m_state = state; }
    uint32_t host_port() const { return m_host_port; }
    uint32_t guest_port() const { return m_guest_port; }
    // A host client's connection, once its CONNECT line named the guest port.
    void set_ports(uint32_t host_port, uint32_t guest_port)
    {
        m_host_port = host_port;
        m_guest_port = guest_port;
    }

    void owe(Pending op) { m_pending |= op; }
    bool owes(Pending op) const { return (m_pending & op) != 0; }
    void paid(Pending op) { m_pending &= ~uint32_t(op); }
    // The control packet `op` (one next_control() named) went out; an RST settles everything.
    void paid(Op op);
    // The next control packet to send, RST first (it supersedes everything else).
    std::optional<Op> next_control() const;

    // Records the guest's buf_alloc and fwd_cnt, which every packet from it carries.
    void update_peer_credit(const Header& header);
    // A header for a packet to the guest; it carries (and so advertises) this side's credit.
    Header header_to_guest(uint64_t guest_cid, Op op, uint32_t length, uint32_t flags = 0);

    // Reads the host client's "CONNECT <port>\n" a byte at a time, so that nothing after the
    // line is consumed. Returns the port once the line is complete; an error for a malformed
    // line or a client that went away.
    Result<std::optional<uint32_t>> read_connect_line();

    // Guest -> host: writes what the socket takes now and keeps the rest (up to the credit this
    // side advertised). False if the guest sent more than that credit allows.
    Result<bool> forward_to_host(std::span<const iovec> payload);
    // Writes buffered guest bytes the socket can take now; an error if the host side broke, and
    // then the bytes it can no longer take are dropped (so are they on any forwarding error).
    Result<void> flush_to_host();
    bool has_unflushed() const { return !m_unflushed.empty(); }
    // Enough forwarded since the guest last heard this side's fwd_cnt that it may be waiting.
    bool credit_update_due() const { return m_forwarded - m_advertised_forwarded >= kBufferSize / 4; }
    // The guest will send no more: once buffered bytes are out, the host reader sees EOF.
    void guest_stopped_sending() { m_guest_done_sending = true; }
    void guest_stopped_receiving() { m_guest_done_receiving = true; }

    // Host -> guest: the bytes the guest's credit allows now.
    uint32_t peer_free() const;
    void mark_readable() { m_readable = true; }
    // Whether a data packet could go to the guest now (the socket may still have nothing).
    bool wants_to_send_data() const;
    // Reads into `buffers`; nullopt when the socket has nothing (EAGAIN), 0 at end of stream.
    std::optional<size_t> read_from_host(std::span<const iovec> buffers);
    void sent_to_guest(size_t bytes) { m_sent += uint32_t(bytes); }

private:
    UniqueFd m_socket;
    State m_state;
    uint32_t m_host_port;
    uint32_t m_guest_port;
    uint32_t m_pending { 0 };
    std::string m_connect_line;

    // Guest -> host (this side's receive buffer, what fwd_cnt counts).
    std::vector<uint8_t> m_unflushed;
    uint32_t m_forwarded { 0 };
    uint32_t m_advertised_forwarded { 0 };
    bool m_guest_done_sending { false };
    bool m_shut_host_write { false };

    // Host -> guest (the guest's receive buffer, as its headers describe it).
    uint32_t m_peer_buffer { 0 };
    uint32_t m_peer_forwarded { 0 };
    uint32_t m_sent { 0 };
    bool m_readable { false }; // the socket signalled data since the last EAGAIN (edge-triggered)
    bool m_host_eof { false };
    bool m_guest_done_receiving { false };
};

}
