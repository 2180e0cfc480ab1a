// Fuzzes the virtio socket device (devices/virtio/vsock_device.cpp, vsock_connection.cpp): packet
// parsing, connection setup to a host listener, the per-connection state machine and credit
// accounting, and the control packets and RSTs it sends back through receive buffers.
// Unlike the other targets the harness writes well-formed rings itself (a driver that behaves),
// so the fuzzer's effort goes into packet headers rather than into the rings fuzz_mmio_transport
// and fuzz_descriptor_chain already cover.
// Input: 1 byte: bits 0-2 = log2(queue size) (1..128 entries);
//        4 bytes: the low 32 driver feature bits (masked to what is offered; VERSION_1 always);
//        then operations, each an opcode byte (op & 3 picks the kind, the other bits modify it):
//   0 transmit: 44-byte header (vsock_packet.h), 2 bytes payload length; the packet goes into
//     the transmit ring (payload bytes are whatever RAM holds). Unless told otherwise the header
//     is patched to be deliverable: src_cid = guest, dst_cid = host, type = stream (bit 2 keeps
//     the input's), dst_port = 5000, where the host listens (bit 3 keeps the input's), and
//     len = the payload length (bit 4 keeps the input's). Bit 5 puts the payload in its own
//     descriptor (as Linux does), bit 6 splits the header over two descriptors.
//   1 receive buffers: ((op >> 2) & 15) + 1 buffers of a 2-byte size each; bit 6 splits each
//     after the header.
//   2 kick queue (op >> 2) & 3 (0 receive, 1 transmit, 2 event, 3 none).
//   3 host: accept the device's connections waiting at the listener; bit 2: read what they
//     hold; bit 3: close them (the device's next write to one fails); bit 4: write 1 byte of
//     length then that many bytes to each (host-to-guest data); bit 5: a new client connects to
//     the device's socket and writes 1 byte of length then that many bytes (its CONNECT line).
//     Then the ready host-side events are dispatched (EventLoop::run_ready), as after a kick.
// A chain that finds too few free descriptors is dropped, as a driver would wait. After the
// input the device is reset, which closes its connections.
// The event loop the device registers with is not started: the harness runs its ready handlers
// itself (run_ready), so host-side events happen in input order, on this thread. Not reached: a
// guest RESPONSE to a host client's REQUEST (its port is allocated by the device at run time).

#include "devices/virtio/vsock_device.h"
#include "tests/fuzz/fuzz_common.h"
#include "vmm/base/hybrid_vsock.h"
#include "vmm/base/unix_socket.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <deque>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

using namespace vmlet;
using namespace vmlet::virtio;

namespace {

constexpr uint64_t kGuestCid = 3;
constexpr uint32_t kHostPort = 5000;
// Rings as in fuzz_common.h (queue q at q * 0x1000); buffers are handed out from kBuffers up,
// wrapping, with room for a dozen full-sized packets.
constexpr uint64_t kRamSize = 1 << 20;
constexpr uint64_t kBuffers = 0x4000;

enum Kind : uint8_t { kTransmit = 0, kReceiveBuffers = 1, kKick = 2, kHost = 3 };
constexpr uint8_t kRawAddresses = 1 << 2;
constexpr uint8_t kRawPort = 1 << 3;
constexpr uint8_t kRawLength = 1 << 4;
constexpr uint8_t kSeparatePayload = 1 << 5;
constexpr uint8_t kSplit = 1 << 6;
constexpr uint8_t kHostReads = 1 << 2;
constexpr uint8_t kHostCloses = 1 << 3;
constexpr uint8_t kHostWrites = 1 << 4;
constexpr uint8_t kHostConnects = 1 << 5;

// §2.7.5 struct virtq_desc.
struct Descriptor {
    uint64_t address;
    uint32_t length;
    uint16_t flags;
    uint16_t next;
};

// The driver's side of one split ring (virtio 1.2 §2.7): each chain takes the next descriptors in
// turn, which works because both vsock queues return chains in the order they were offered.
class Ring {
public:
    Ring(const GuestMemory& memory, uint16_t queue, uint16_t size)
        : m_memory(memory)
        , m_queue(queue)
        , m_size(size)
    {
    }

    // `cuts` splits [address, address + length) into one descriptor per piece.
    void add(uint64_t address, uint64_t length, std::initializer_list<uint64_t> cuts, bool writable)
    {
        std::vector<std::pair<uint64_t, uint64_t>> pieces;
        uint64_t start = 0;
        for (auto cut : cuts) {
            if (cut > start && cut < length) {
                pieces.emplace_back(start, cut - start);
                start = cut;
            }
        }
        pieces.emplace_back(start, length - start);
        reclaim();
        if (pieces.size() > size_t(m_size - m_in_use))
            return;

        uint16_t head = m_next;
        for (size_t index = 0; index < pieces.size(); ++index) {
            uint16_t current = m_next;
            m_next = uint16_t((m_next + 1) % m_size);
            bool last = index + 1 == pieces.size();
            Descriptor descriptor { address + pieces[index].first, uint32_t(pieces[index].second),
                uint16_t((writable ? kDescWrite : 0) | (last ? 0 : kDescNext)), last ? uint16_t(0) : m_next };
            write(fuzz::descriptors(m_queue) + 16 * uint64_t(current), descriptor);
        }
        write(fuzz::avail(m_queue) + 4 + 2 * uint64_t(m_avail % m_size), head);
        write(fuzz::avail(m_queue) + 2, ++m_avail);
        m_chains.push_back(uint16_t(pieces.size()));
        m_in_use = uint16_t(m_in_use + pieces.size());
    }

private:
    template<typename T>
    void write(uint64_t address, const T& value)
    {
        fuzz::check(m_memory.write_object(GuestAddress(address), value).ok(), "ring write");
    }
    // Frees the descriptors of the chains the device has returned since the last call.
    void reclaim()
    {
        auto used = m_memory.read_object<uint16_t>(GuestAddress(fuzz::used(m_queue) + 2));
        fuzz::check(used.ok(), "used ring read");
        for (; m_used != used.value() && !m_chains.empty(); ++m_used) {
            m_in_use = uint16_t(m_in_use - m_chains.front());
            m_chains.pop_front();
        }
    }

    const GuestMemory& m_memory;
    uint16_t m_queue;
    uint16_t m_size;
    uint16_t m_next { 0 };
    uint16_t m_avail { 0 };
    uint16_t m_used { 0 };
    uint16_t m_in_use { 0 };
    std::deque<uint16_t> m_chains; // descriptors per chain not yet returned, oldest first
};

// Made once per process: the device (its socket in a fresh directory), the event loop it
// registers with, and the host listener at "<socket path>_5000" that guest REQUESTs to port 5000
// reach.
struct Fixture {
    std::filesystem::path directory;
    std::unique_ptr<EventLoop> loop;
    std::unique_ptr<VsockDevice> device;
    UniqueFd listener;
    std::string socket_path;
    std::vector<UniqueFd> accepted; // this input's host ends
    std::vector<UniqueFd> clients;  // this input's clients of the device's socket

    ~Fixture()
    {
        device.reset(); // removes its socket
        std::error_code ignored;
        std::filesystem::remove_all(directory, ignored);
    }

    void accept_waiting()
    {
        for (;;) {
            int fd = ::accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0)
                return;
            accepted.emplace_back(fd);
        }
    }
    void write_accepted(std::span<const uint8_t> bytes)
    {
        for (auto& fd : accepted)
            (void)!::send(fd.get(), bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    }
    void connect_client(std::span<const uint8_t> line)
    {
        auto address = unix_socket_address(socket_path).value();
        UniqueFd client(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (::connect(client.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) < 0)
            return;
        (void)!::send(client.get(), line.data(), line.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        clients.push_back(std::move(client));
    }
    void read_accepted()
    {
        static uint8_t buffer[64 * 1024];
        for (auto& fd : accepted)
            while (::recv(fd.get(), buffer, sizeof(buffer), MSG_DONTWAIT) > 0) { }
    }
};

std::unique_ptr<Fixture> g_fixture;

std::unique_ptr<Fixture> make_fixture()
{
    auto fixture = std::make_unique<Fixture>();
    char pattern[] = "/tmp/vmlet-fuzz-vsock-XXXXXX";
    fuzz::check(::mkdtemp(pattern) != nullptr, "mkdtemp");
    fixture->directory = pattern;
    auto path = (fixture->directory / "v.sock").string();
    fixture->socket_path = path;

    auto loop = EventLoop::create();
    fuzz::check(loop.ok(), "EventLoop::create");
    fixture->loop = loop.release_value();
    auto device = VsockDevice::listen(kGuestCid, path);
    fuzz::check(device.ok(), "VsockDevice::listen");
    fixture->device = device.release_value();
    fuzz::check(fixture->device->attach_backend(*fixture->loop).ok(), "attach_backend");

    auto listener_path = hybrid_vsock::listener_path(path, kHostPort);
    auto address = unix_socket_address(listener_path);
    fuzz::check(address.ok(), "listener path length");
    fixture->listener = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    fuzz::check(::bind(fixture->listener.get(), reinterpret_cast<const sockaddr*>(&address.value()), sizeof(sockaddr_un)) == 0, "bind");
    fuzz::check(::listen(fixture->listener.get(), SOMAXCONN) == 0, "listen");
    return fixture;
}

}

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    g_fixture = make_fixture();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::Input input(data, size);
    auto flags = input.take<uint8_t>();
    auto features = input.take<uint32_t>();
    auto created_memory = GuestMemory::create({ { GuestAddress(0), kRamSize } }, MemoryBacking::Plain);
    fuzz::check(created_memory.ok(), "GuestMemory::create");
    auto memory = created_memory.release_value();

    auto created = MmioTransport::create(*g_fixture->device, memory);
    fuzz::check(created.ok(), "MmioTransport::create");
    fuzz::Driver driver(*created.value());
    auto queue_size = uint16_t(1u << (flags & 7));
    driver.initialise(feature(kFeatureVersion1) | features, 3, queue_size);
    Ring receive(memory, VsockDevice::kReceiveQueue, queue_size);
    Ring transmit(memory, VsockDevice::kTransmitQueue, queue_size);

    uint64_t next_buffer = kBuffers;
    auto allocate = [&](uint64_t length) {
        if (next_buffer + length > kRamSize)
            next_buffer = kBuffers;
        return std::exchange(next_buffer, next_buffer + length);
    };

    while (input.remaining() > 0) {
        auto op = input.take<uint8_t>();
        switch (op & 3) {
        case kTransmit: {
            auto header = input.take<vsock::Header>();
            auto length = input.take<uint16_t>();
            if (!(op & kRawAddresses)) {
                header.src_cid = kGuestCid;
                header.dst_cid = vsock::kHostCid;
                header.type = vsock::kTypeStream;
            }
            if (!(op & kRawPort))
                header.dst_port = kHostPort;
            if (!(op & kRawLength))
                header.len = length;
            auto address = allocate(sizeof(header) + length);
            fuzz::check(memory.write_object(GuestAddress(address), header).ok(), "header write");
            transmit.add(address, sizeof(header) + length,
                { op & kSplit ? 20u : 0u, op & kSeparatePayload ? sizeof(header) : 0u }, false);
            break;
        }
        case kReceiveBuffers: {
            auto length = input.take<uint16_t>();
            for (int count = ((op >> 2) & 15) + 1; count > 0; --count)
                receive.add(allocate(length), length, { op & kSplit ? sizeof(vsock::Header) : 0u }, true);
            break;
        }
        case kKick:
            driver.kick(uint16_t((op >> 2) & 3));
            g_fixture->loop->run_ready();
            break;
        case kHost: {
            g_fixture->accept_waiting();
            if (op & kHostReads)
                g_fixture->read_accepted();
            if (op & kHostCloses)
                g_fixture->accepted.clear();
            if (op & kHostWrites)
                g_fixture->write_accepted(input.take_bytes(input.take<uint8_t>()));
            if (op & kHostConnects)
                g_fixture->connect_client(input.take_bytes(input.take<uint8_t>()));
            g_fixture->loop->run_ready();
            break;
        }
        }
    }

    driver.finish();
    g_fixture->accept_waiting(); // connections the device made and never heard of again
    g_fixture->accepted.clear();
    g_fixture->clients.clear();
    g_fixture->loop->run_ready(); // the device's socket may still hold clients it must close
    return 0;
}
