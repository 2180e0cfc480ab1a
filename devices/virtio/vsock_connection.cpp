#include "devices/virtio/vsock_connection.h"

#include "vmm/base/hybrid_vsock.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

namespace vmlet::virtio::vsock {

namespace {

size_t total_length(std::span<const iovec> buffers)
{
    size_t total = 0;
    for (const auto& buffer : buffers)
        total += buffer.iov_len;
    return total;
}

}

std::optional<Op> Connection::next_control() const
{
    if (owes(kPendingRst))
        return kOpRst;
    if (owes(kPendingResponse))
        return kOpResponse;
    if (owes(kPendingRequest))
        return kOpRequest;
    if (owes(kPendingShutdown))
        return kOpShutdown;
    if (owes(kPendingCreditUpdate))
        return kOpCreditUpdate;
    return std::nullopt;
}

void Connection::paid(Op op)
{
    switch (op) {
    case kOpRst: m_pending = 0; return;
    case kOpResponse: return paid(kPendingResponse);
    case kOpRequest: return paid(kPendingRequest);
    case kOpShutdown: return paid(kPendingShutdown);
    case kOpCreditUpdate: return paid(kPendingCreditUpdate);
    default: return;
    }
}

void Connection::update_peer_credit(const Header& header)
{
    m_peer_buffer = header.buf_alloc;
    m_peer_forwarded = header.fwd_cnt;
}

Header Connection::header_to_guest(uint64_t guest_cid, Op op, uint32_t length, uint32_t flags)
{
    m_advertised_forwarded = m_forwarded;
    return Header {
        .src_cid = kHostCid,
        .dst_cid = guest_cid,
        .src_port = m_host_port,
        .dst_port = m_guest_port,
        .len = length,
        .type = kTypeStream,
        .op = op,
        .flags = flags,
        .buf_alloc = kBufferSize,
        .fwd_cnt = m_forwarded,
    };
}

Result<std::optional<uint32_t>> Connection::read_connect_line()
{
    for (;;) {
        char byte;
        ssize_t count = ::read(m_socket.get(), &byte, 1);
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0 && errno == EAGAIN)
            return std::optional<uint32_t> {};
        if (count <= 0)
            return make_error("the client left before sending CONNECT");
        m_connect_line += byte;
        if (byte == '\n')
            break;
        if (m_connect_line.size() >= hybrid_vsock::kMaxConnectLine)
            return make_error("the client sent no 'CONNECT <port>' line");
    }
    return std::optional(TRY(hybrid_vsock::parse_connect_line(m_connect_line)));
}

Result<bool> Connection::forward_to_host(std::span<const iovec> payload)
{
    size_t length = total_length(payload);
    size_t written = 0;
    if (m_unflushed.empty() && length > 0) {
        msghdr message {};
        message.msg_iov = const_cast<iovec*>(payload.data());
        message.msg_iovlen = payload.size();
        ssize_t count = ::sendmsg(m_socket.get(), &message, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (count < 0 && errno != EAGAIN && errno != EINTR) {
            m_unflushed.clear();
            return errno_error("writing to the host socket");
        }
        written = count > 0 ? size_t(count) : 0;
        m_forwarded += uint32_t(written);
    }
    if (m_unflushed.size() + (length - written) > kBufferSize)
        return false;
    // Keep what the socket did not take, in order.
    size_t skip = written;
    for (const auto& buffer : payload) {
        auto* bytes = static_cast<const uint8_t*>(buffer.iov_base);
        size_t from = std::min(skip, buffer.iov_len);
        skip -= from;
        m_unflushed.insert(m_unflushed.end(), bytes + from, bytes + buffer.iov_len);
    }
    return true;
}

Result<void> Connection::flush_to_host()
{
    while (!m_unflushed.empty()) {
        ssize_t count = ::send(m_socket.get(), m_unflushed.data(), m_unflushed.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0 && errno == EAGAIN)
            return {};
        if (count < 0) {
            m_unflushed.clear();
            return errno_error("writing to the host socket");
        }
        m_unflushed.erase(m_unflushed.begin(), m_unflushed.begin() + count);
        m_forwarded += uint32_t(count);
    }
    if (m_guest_done_sending && !m_shut_host_write) {
        m_shut_host_write = true;
        ::shutdown(m_socket.get(), SHUT_WR);
    }
    return {};
}

uint32_t Connection::peer_free() const
{
    // Unsigned arithmetic wraps as §5.10.6.3's counters do; a guest whose fwd_cnt runs ahead of
    // what it was sent, or whose buffer shrank below what is in flight, gets nothing more.
    uint32_t in_flight = m_sent - m_peer_forwarded;
    return in_flight > m_peer_buffer ? 0 : m_peer_buffer - in_flight;
}

bool Connection::wants_to_send_data() const
{
    return m_state == State::Established && m_readable && !m_host_eof && !m_guest_done_receiving && peer_free() > 0;
}

std::optional<size_t> Connection::read_from_host(std::span<const iovec> buffers)
{
    for (;;) {
        ssize_t count = ::readv(m_socket.get(), buffers.data(), int(buffers.size()));
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0 && errno == EAGAIN) {
            m_readable = false;
            return std::nullopt;
        }
        if (count <= 0) {
            // End of stream, or a reset host socket (a write will tell that one apart).
            m_host_eof = true;
            return 0;
        }
        return size_t(count);
    }
}

}
