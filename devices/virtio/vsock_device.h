#pragma once

#include "devices/virtio/chain_io.h"
#include "devices/virtio/virtio_device.h"
#include "devices/virtio/virtio_spec.h"
#include "devices/virtio/vsock_connection.h"

#include <deque>
#include <map>
#include <memory>
#include <string>

namespace vmlet::virtio {

// virtio socket device (virtio 1.2 §5.10), stream sockets only, bridged to AF_UNIX on the host
// the way Firecracker and Cloud Hypervisor do it ("hybrid vsock"):
//  - a host client connects to `socket_path` and writes "CONNECT <port>\n"; the guest's listener
//    on that port accepts, and the client reads "OK <host port>\n" before the stream begins;
//  - a guest connection to CID 2 port P is connected to the host listener at "<socket_path>_P".
// Data is copied straight between guest buffers and host sockets; each direction respects the
// credit the receiver advertises (§5.10.6.3), so neither side can make the other buffer more than
// it offered. A guest that breaks the protocol gets its connection reset, nothing more.
class VsockDevice final : public VirtioDevice {
public:
    static constexpr uint16_t kQueueSize = 256;
    static constexpr uint16_t kReceiveQueue = 0;
    static constexpr uint16_t kTransmitQueue = 1;
    static constexpr uint16_t kEventQueue = 2;
    // Host sockets one guest may hold open; further REQUESTs are refused with RST.
    static constexpr size_t kMaxConnections = 1024;
    // Host-initiated connections take host ports from here up.
    static constexpr uint32_t kFirstHostPort = 1u << 30;

    // Creates the listening socket at `socket_path`. A path that exists is refused, unless it is
    // a socket nobody listens on any more (left by a vmlet that was killed), which is replaced.
    static Result<std::unique_ptr<VsockDevice>> listen(uint64_t guest_cid, std::string socket_path);
    ~VsockDevice() override;

    uint32_t device_id() const override { return kVsockDevice; }
    uint64_t device_features() const override { return 0; } // stream only (§5.10.3)
    std::vector<uint16_t> queue_max_sizes() const override { return { kQueueSize, kQueueSize, kQueueSize }; }
    void read_config(uint64_t offset, std::span<uint8_t> data) const override;
    Result<void> attach_backend(EventLoop& loop) override;
    Result<void> activate() override;
    void reset() override;
    Result<void> process_queue(uint16_t queue) override;

    // Connections cannot cross a snapshot: their host sockets belong to the process that saved
    // it. A restored device drops any it holds and keeps only where host ports continue from.
    // The driver hears of it through a TRANSPORT_RESET event (§5.10.6.6), sent by after_restore()
    // (or, for a driver still initialising, once it gives event buffers), upon which it resets
    // its connected sockets and reads guest_cid again (the CID may have changed) while its
    // listening sockets keep listening. From the restore until the driver has taken the event
    // in, nothing goes to the receive queue: a new connection must not be reset with the old.
    void save_state(StateWriter& writer) const override;
    Result<void> restore_state(StateReader& reader) override;
    Result<void> after_restore() override;

private:
    using Connection = vsock::Connection;
    // Connections are named by their two ports; the CIDs are always the guest's and the host's.
    static uint64_t key(uint32_t host_port, uint32_t guest_port) { return uint64_t(host_port) << 32 | guest_port; }

    VsockDevice(uint64_t guest_cid, std::string socket_path, UniqueFd listener)
        : m_guest_cid(guest_cid)
        , m_socket_path(std::move(socket_path))
        , m_listener(std::move(listener))
    {
    }

    // Where the TRANSPORT_RESET event stands after a restore.
    enum class ResetEvent {
        None,
        Owed,           // waiting for an event buffer
        Unacknowledged, // sent; the driver has not yet handed an event buffer back
    };

    Result<void> transmit();
    Result<void> send_events();
    void drop_connections();
    void handle_packet(const vsock::Header& header, ChainReader& payload);
    void handle_connection_packet(uint64_t id, Connection& connection, const vsock::Header& header, ChainReader& payload);
    void handle_request(const vsock::Header& header);
    Result<void> deliver();
    // Writes the next packet `connection` owes into `chain`; the bytes written, or nothing when
    // the connection had nothing to send after all (the chain is then unused).
    Result<std::optional<uint32_t>> fill(Connection& connection, const DescriptorChain& chain);

    void on_client();
    void on_connection_event(uint64_t id, uint32_t events);
    uint32_t allocate_host_port();
    Result<uint64_t> add_connection(std::unique_ptr<Connection> connection);
    void remove_connection(uint64_t id);
    // A protocol error on a live connection: RST it (§5.10.6.4).
    static void abort(Connection& connection) { connection.owe(Connection::kPendingRst); }
    // Refuses a packet that belongs to no connection (§5.10.6.4: answered with RST).
    void refuse(const vsock::Header& header);
    void run(Result<void> (VsockDevice::*step)());

    uint64_t m_guest_cid;
    std::string m_socket_path;
    UniqueFd m_listener;
    EventLoop* m_loop { nullptr };
    // Every connection by a serial number (event handlers name it, never a pointer: a reset may
    // remove it while a handler waits for the lock); those that reached the guest also by ports.
    std::map<uint64_t, std::unique_ptr<Connection>> m_connections;
    std::map<uint64_t, uint64_t> m_by_ports;
    uint64_t m_next_id { 1 };
    std::deque<vsock::Header> m_resets; // RSTs for packets that matched no connection
    uint32_t m_next_host_port { kFirstHostPort };
    ResetEvent m_reset_event { ResetEvent::None };
    uint16_t m_reset_event_index { 0 }; // the event queue's available index when the event went out
    std::vector<iovec> m_iovecs;
};

}
