#include "devices/virtio/vsock_device.h"

#include "devices/virtio/chain_io.h"
#include "vmm/base/hybrid_vsock.h"
#include "vmm/base/unix_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace vmlet::virtio {

using vsock::Header;

namespace {

// RSTs owed for packets that matched no connection; a guest that floods them without giving
// receive buffers loses the surplus, as it would lose them on a real network.
constexpr size_t kMaxOwedResets = 256;
// Room a host listener path needs after the socket path: "_4294967295".
constexpr size_t kPortSuffix = 11;

// §5.10.6.6 struct virtio_vsock_event and its one event.
struct Event {
    uint32_t id;
};
constexpr uint32_t kEventTransportReset = 0;

}

Result<std::unique_ptr<VsockDevice>> VsockDevice::listen(uint64_t guest_cid, std::string socket_path)
{
    auto fits = unix_socket_address(socket_path + std::string(kPortSuffix, '0'));
    if (!fits.ok())
        return make_error("{}: socket path too long (at most {} bytes)", socket_path, sizeof(sockaddr_un::sun_path) - kPortSuffix - 1);
    auto address = TRY(unix_socket_address(socket_path));
    struct stat status;
    if (::lstat(socket_path.c_str(), &status) == 0) {
        if (!S_ISSOCK(status.st_mode))
            return make_error("{}: exists and is not a socket", socket_path);
        UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (::connect(probe.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 || errno != ECONNREFUSED)
            return make_error("{}: another process is listening on this socket", socket_path);
        ::unlink(socket_path.c_str()); // left behind by a vmlet that was killed
    }
    UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!listener.valid())
        return errno_error("socket");
    if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) < 0)
        return errno_error(socket_path);
    if (::listen(listener.get(), 64) < 0) {
        auto error = errno_error(socket_path);
        ::unlink(socket_path.c_str());
        return error;
    }
    return std::unique_ptr<VsockDevice>(new VsockDevice(guest_cid, std::move(socket_path), std::move(listener)));
}

VsockDevice::~VsockDevice()
{
    ::unlink(m_socket_path.c_str());
}

void VsockDevice::read_config(uint64_t offset, std::span<uint8_t> data) const
{
    // §5.10.4: le64 guest_cid, of which the driver reads the low 32 bits.
    copy_config_field(offset, data, 0, m_guest_cid);
}

Result<void> VsockDevice::attach_backend(EventLoop& loop)
{
    m_loop = &loop;
    return loop.add(m_listener.get(), EPOLLIN, [this](uint32_t) { on_client(); });
}

void VsockDevice::drop_connections()
{
    // The host clients see end of stream.
    for (auto& [id, connection] : m_connections)
        m_loop->remove(connection->fd());
    m_connections.clear();
    m_by_ports.clear();
}

void VsockDevice::reset()
{
    // §5.10.6.6: a device reset drops every connection.
    drop_connections();
    m_resets.clear();
    m_reset_event = ResetEvent::None;
}

Result<void> VsockDevice::process_queue(uint16_t queue)
{
    if (queue == kTransmitQueue)
        return transmit();
    if (queue == kReceiveQueue)
        return deliver();
    return send_events();
}

void VsockDevice::save_state(StateWriter& writer) const
{
    writer.u32(m_next_host_port);
}

Result<void> VsockDevice::restore_state(StateReader& reader)
{
    auto next_host_port = TRY(reader.u32("next host port"));
    if (next_host_port < kFirstHostPort)
        return reader.failure("next host port", fmt::format("{} is below {}, where host ports start", next_host_port, kFirstHostPort));
    reset();
    // Host ports go on from where the saved device stood: a guest socket the reset event breaks
    // keeps its ports until its program closes it, and Linux answers a new connection that
    // reuses them with RST (virtio_transport_recv_pkt() finds the closed socket).
    m_next_host_port = next_host_port;
    // From now on, host clients that connect before the driver has taken the event in wait.
    m_reset_event = ResetEvent::Owed;
    return {};
}

Result<void> VsockDevice::activate()
{
    // A driver without an event queue has no way to hear of a reset (Linux always has one).
    if (!context().queue(kEventQueue).ready())
        m_reset_event = ResetEvent::None;
    return {};
}

Result<void> VsockDevice::after_restore() { return send_events(); }

Result<void> VsockDevice::send_events()
{
    auto& queue = context().queue(kEventQueue);
    if (m_reset_event == ResetEvent::Unacknowledged) {
        // Linux hands the event's buffer back once it has reset its sockets
        // (virtio_transport_event_work()); until then nothing goes to the receive queue, or a
        // packet of a new connection could be handled first and then reset with the old ones.
        if (TRY(queue.available_index()) == m_reset_event_index)
            return {};
        m_reset_event = ResetEvent::None;
        return deliver();
    }
    if (m_reset_event != ResetEvent::Owed)
        return {};
    auto chain = TRY(queue.next());
    if (!chain)
        return {}; // the driver's next event buffer brings us back
    ChainWriter writer(chain->writable);
    if (!writer.write_object(Event { kEventTransportReset }))
        return make_error("an event buffer of {} bytes cannot hold the {}-byte event", chain->writable_bytes, sizeof(Event));
    // Taken before the driver can see the event, so any buffer it adds later counts as the
    // answer; with VIRTIO_F_EVENT_IDX it must be asked to notify (§2.7.10), as the event
    // buffers it gave earlier are still there.
    m_reset_event_index = TRY(queue.available_index());
    TRY(queue.request_notification(m_reset_event_index));
    m_reset_event = ResetEvent::Unacknowledged;
    // Linux takes the event only if the used length is exactly the event's size.
    return complete(kEventQueue, chain->head, writer.written());
}

void VsockDevice::run(Result<void> (VsockDevice::*step)())
{
    auto result = (this->*step)();
    if (!result.ok())
        context().fail(result.error());
}

Result<void> VsockDevice::transmit()
{
    auto& queue = context().queue(kTransmitQueue);
    for (;;) {
        auto chain = TRY(queue.next());
        if (!chain)
            break;
        ChainReader reader(chain->readable);
        Header header;
        // §5.10.6.1: a packet shorter than its header, or claiming more payload than it carries,
        // is malformed and dropped.
        if (reader.read_object(header) && header.len <= reader.remaining() && header.len <= vsock::kMaxPayload)
            handle_packet(header, reader);
        TRY(queue.push_used(chain->head, 0));
    }
    TRY(notify_used(kTransmitQueue));
    // Replies (RESPONSE, RST, credit updates) go out at once.
    return deliver();
}

void VsockDevice::handle_packet(const Header& header, ChainReader& payload)
{
    if (header.src_cid != m_guest_cid || header.dst_cid != vsock::kHostCid || header.type != vsock::kTypeStream) {
        if (header.op != vsock::kOpRst)
            refuse(header);
        return;
    }
    auto found = m_by_ports.find(key(header.dst_port, header.src_port));
    if (found == m_by_ports.end()) {
        if (header.op == vsock::kOpRequest)
            handle_request(header);
        else if (header.op != vsock::kOpRst)
            refuse(header);
        return;
    }
    handle_connection_packet(found->second, *m_connections.at(found->second), header, payload);
}

void VsockDevice::handle_connection_packet(uint64_t id, Connection& connection, const Header& header, ChainReader& payload)
{
    connection.update_peer_credit(header);
    switch (header.op) {
    case vsock::kOpResponse: {
        if (connection.state() != Connection::State::AwaitingResponse)
            return abort(connection);
        // The hybrid protocol's reply to the host client, before any stream bytes.
        auto line = hybrid_vsock::ok_line(connection.host_port());
        if (::send(connection.fd(), line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT) != ssize_t(line.size()))
            return abort(connection);
        connection.set_state(Connection::State::Established);
        connection.mark_readable(); // the client may have written already
        return;
    }
    case vsock::kOpRw: {
        if (connection.state() != Connection::State::Established)
            return abort(connection);
        m_iovecs.clear();
        payload.take(header.len, m_iovecs);
        auto forwarded = connection.forward_to_host(m_iovecs);
        // A host socket that broke, or a guest that sent beyond the credit it was given.
        if (!forwarded.ok() || !forwarded.value())
            return abort(connection);
        if (connection.credit_update_due())
            connection.owe(Connection::kPendingCreditUpdate);
        return;
    }
    case vsock::kOpShutdown:
        if (header.flags & vsock::kShutdownReceive)
            connection.guest_stopped_receiving();
        if (header.flags & vsock::kShutdownSend) {
            connection.guest_stopped_sending();
            if (!connection.flush_to_host().ok())
                return abort(connection);
        }
        // §5.10.6.5: a peer that shut down both ways waits for our RST to forget the connection.
        if ((header.flags & (vsock::kShutdownReceive | vsock::kShutdownSend)) == (vsock::kShutdownReceive | vsock::kShutdownSend))
            abort(connection);
        return;
    case vsock::kOpRst:
        return remove_connection(id);
    case vsock::kOpCreditUpdate:
        return; // the credit fields are all it carries
    case vsock::kOpCreditRequest:
        connection.owe(Connection::kPendingCreditUpdate);
        return;
    default: // a second REQUEST for a live connection, or an unknown op
        return abort(connection);
    }
}

void VsockDevice::handle_request(const Header& header)
{
    // A guest connection to host port P reaches the listener at "<socket_path>_P".
    auto address = unix_socket_address(hybrid_vsock::listener_path(m_socket_path, header.dst_port));
    UniqueFd socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (m_connections.size() >= kMaxConnections || !socket.valid() || !address.ok()
        || ::connect(socket.get(), reinterpret_cast<const sockaddr*>(&address.value()), sizeof(sockaddr_un)) < 0)
        return refuse(header); // nobody listens there: the guest's connect() fails at once
    auto connection = std::make_unique<Connection>(std::move(socket), Connection::State::Established, header.dst_port, header.src_port);
    connection->update_peer_credit(header);
    connection->owe(Connection::kPendingResponse);
    auto* added = connection.get();
    auto id = add_connection(std::move(connection));
    if (!id.ok())
        return refuse(header);
    m_by_ports[key(added->host_port(), added->guest_port())] = id.value();
}

void VsockDevice::refuse(const Header& header)
{
    if (m_resets.size() >= kMaxOwedResets)
        return;
    m_resets.push_back(Header {
        .src_cid = header.dst_cid,
        .dst_cid = header.src_cid,
        .src_port = header.dst_port,
        .dst_port = header.src_port,
        .len = 0,
        .type = vsock::kTypeStream,
        .op = vsock::kOpRst,
        .flags = 0,
        .buf_alloc = 0,
        .fwd_cnt = 0,
    });
}

Result<void> VsockDevice::deliver()
{
    if (m_reset_event != ResetEvent::None)
        return {}; // send_events() delivers once the driver has taken in the reset
    auto& queue = context().queue(kReceiveQueue);
    bool delivered = false;
    auto finish = [&]() -> Result<void> { return delivered ? notify_used(kReceiveQueue) : Result<void> {}; };
    while (!m_resets.empty()) {
        auto chain = TRY(queue.next());
        if (!chain)
            return finish(); // the driver's next notify brings us back
        ChainWriter writer(chain->writable);
        if (!writer.write_object(m_resets.front()))
            return make_error("a receive buffer of {} bytes cannot hold the {}-byte header", chain->writable_bytes, sizeof(Header));
        m_resets.pop_front();
        TRY(queue.push_used(chain->head, writer.written()));
        delivered = true;
    }
    // One packet per connection per round, so one busy stream cannot starve the others.
    for (bool progress = true; progress;) {
        progress = false;
        for (auto next = m_connections.begin(); next != m_connections.end();) {
            auto id = next->first;
            auto& connection = *next->second;
            ++next; // before the connection may be removed
            if (!connection.next_control() && !connection.wants_to_send_data())
                continue;
            auto chain = TRY(queue.next());
            if (!chain)
                return finish();
            auto written = TRY(fill(connection, *chain));
            if (!written) {
                queue.unpop();
                continue;
            }
            TRY(queue.push_used(chain->head, *written));
            delivered = progress = true;
            if (connection.state() == Connection::State::Closing && !connection.has_unflushed())
                remove_connection(id);
        }
    }
    return finish();
}

Result<std::optional<uint32_t>> VsockDevice::fill(Connection& connection, const DescriptorChain& chain)
{
    ChainWriter writer(chain.writable);
    if (writer.remaining() < sizeof(Header))
        return make_error("a receive buffer of {} bytes cannot hold the {}-byte header", writer.remaining(), sizeof(Header));
    if (auto op = connection.next_control()) {
        connection.paid(*op);
        if (*op == vsock::kOpRst) {
            // The guest forgets the connection now; what it sent may still drain to the host.
            m_by_ports.erase(key(connection.host_port(), connection.guest_port()));
            connection.set_state(Connection::State::Closing);
        }
        uint32_t flags = *op == vsock::kOpShutdown ? vsock::kShutdownSend : 0;
        writer.write_object(connection.header_to_guest(m_guest_cid, *op, 0, flags));
        return std::optional(writer.written());
    }
    // Data: read from the host socket straight into the buffer, after room for the header.
    m_iovecs.clear();
    ChainWriter payload(chain.writable);
    payload.take(sizeof(Header), m_iovecs);
    m_iovecs.clear();
    uint64_t room = std::min<uint64_t>({ payload.remaining(), connection.peer_free(), vsock::kMaxPayload });
    if (room == 0)
        return std::optional<uint32_t> {};
    payload.take(room, m_iovecs);
    auto count = connection.read_from_host(m_iovecs);
    if (!count)
        return std::optional<uint32_t> {};
    if (*count == 0) {
        // The host client finished sending (§5.10.6.5: SHUTDOWN with "will send no more").
        writer.write_object(connection.header_to_guest(m_guest_cid, vsock::kOpShutdown, 0, vsock::kShutdownSend));
        return std::optional(writer.written());
    }
    connection.sent_to_guest(*count);
    writer.write_object(connection.header_to_guest(m_guest_cid, vsock::kOpRw, uint32_t(*count)));
    return std::optional(uint32_t(sizeof(Header) + *count));
}

void VsockDevice::on_client()
{
    std::lock_guard lock(mutex());
    for (;;) {
        int fd = ::accept4(m_listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0 && errno == EINTR)
            continue;
        if (fd < 0)
            return;
        UniqueFd client(fd);
        // Before the driver is ready (or past the limit) the client is closed: it sees end of
        // stream, as it would if no guest program listened.
        if (!active() || m_connections.size() >= kMaxConnections)
            continue;
        (void)add_connection(std::make_unique<Connection>(std::move(client), Connection::State::AwaitingConnectLine, 0, 0));
    }
}

void VsockDevice::on_connection_event(uint64_t id, uint32_t events)
{
    std::lock_guard lock(mutex());
    auto found = m_connections.find(id);
    if (!active() || found == m_connections.end())
        return;
    auto& connection = *found->second;
    if (connection.state() == Connection::State::AwaitingConnectLine) {
        auto port = connection.read_connect_line();
        if (!port.ok())
            return remove_connection(id); // not a client of this protocol: closed
        if (!port.value())
            return;
        connection.set_ports(allocate_host_port(), *port.value());
        m_by_ports[key(connection.host_port(), connection.guest_port())] = id;
        connection.set_state(Connection::State::AwaitingResponse);
        connection.owe(Connection::kPendingRequest);
        return run(&VsockDevice::deliver);
    }
    if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
        if (!connection.flush_to_host().ok() && connection.state() != Connection::State::Closing)
            abort(connection);
        if (connection.state() == Connection::State::Closing && !connection.has_unflushed())
            return remove_connection(id);
        if (connection.credit_update_due())
            connection.owe(Connection::kPendingCreditUpdate);
    }
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        connection.mark_readable();
    run(&VsockDevice::deliver);
}

uint32_t VsockDevice::allocate_host_port()
{
    // Ports from 2^30 up for host-initiated connections, skipping any in use (there are at most
    // kMaxConnections, so this ends).
    for (;;) {
        uint32_t port = m_next_host_port++;
        if (m_next_host_port == 0)
            m_next_host_port = kFirstHostPort;
        auto used = m_by_ports.lower_bound(key(port, 0));
        if (used == m_by_ports.end() || uint32_t(used->first >> 32) != port)
            return port;
    }
}

Result<uint64_t> VsockDevice::add_connection(std::unique_ptr<Connection> connection)
{
    if (!m_loop)
        return make_error("the vsock device has no event loop");
    uint64_t id = m_next_id++;
    // Edge-triggered: a connection that stops for lack of guest buffers or credit is resumed by
    // the driver's notify or credit update, not by the socket staying readable.
    TRY(m_loop->add(connection->fd(), EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, [this, id](uint32_t events) { on_connection_event(id, events); }));
    m_connections.emplace(id, std::move(connection));
    return id;
}

void VsockDevice::remove_connection(uint64_t id)
{
    auto found = m_connections.find(id);
    if (found == m_connections.end())
        return;
    auto& connection = *found->second;
    auto ports = m_by_ports.find(key(connection.host_port(), connection.guest_port()));
    if (ports != m_by_ports.end() && ports->second == id)
        m_by_ports.erase(ports);
    m_loop->remove(connection.fd());
    m_connections.erase(found);
}

}
