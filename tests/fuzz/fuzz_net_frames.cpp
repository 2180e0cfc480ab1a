// Fuzzes the network device's transmit and receive paths (devices/virtio/net_device.cpp):
// guest frames out through the transmit queue, host frames in through receive buffers
// (with or without MRG_RXBUF), over one end of a SOCK_SEQPACKET socketpair.
// Input: 1 byte: bits 0-2 = log2(queue size) (1..128 entries);
//        4 bytes: the low 32 driver feature bits (masked to what is offered; VERSION_1 always);
//        1 byte: number of host frames (& 3), then per frame 2 bytes length + that many bytes,
//                written to the peer socket before the receive queue is kicked;
//        then the contents of 64 KiB of guest RAM at 0, laid out as in fuzz_common.h:
//        receive queue 0 at 0 (avail 0x800, used 0xa00), transmit queue 1 at 0x1000
//        (avail 0x1800, used 0x1a00), buffers anywhere.
// The harness kicks the transmit queue (1), writes the frames, then kicks the receive queue (0).
// No event loop is attached, so receive interest changes are no-ops.

#include "devices/virtio/net_device.h"
#include "tests/fuzz/fuzz_common.h"

#include <sys/socket.h>

using namespace vmlet;
using namespace vmlet::virtio;

namespace {

void drain(int fd)
{
    static uint8_t buffer[70000];
    while (::recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT) > 0) { }
}

}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::Input input(data, size);
    auto flags = input.take<uint8_t>();
    auto features = input.take<uint32_t>();
    std::vector<std::span<const uint8_t>> frames;
    for (unsigned count = input.take<uint8_t>() & 3; count > 0; --count)
        frames.push_back(input.take_bytes(input.take<uint16_t>()));
    auto memory = fuzz::make_memory(input.rest());

    int sockets[2];
    fuzz::check(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sockets) == 0, "socketpair");
    int peer = sockets[1];
    NetDevice device(UniqueFd(sockets[0]), { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }, {});
    auto created = MmioTransport::create(device, memory);
    fuzz::check(created.ok(), "MmioTransport::create");
    fuzz::Driver driver(*created.value());
    driver.initialise(feature(kFeatureVersion1) | features, 2, uint16_t(1u << (flags & 7)));

    driver.kick(NetDevice::kTransmitQueue);
    drain(peer);
    for (auto frame : frames)
        (void)!::send(peer, frame.data(), frame.size(), MSG_DONTWAIT);
    driver.kick(NetDevice::kReceiveQueue);
    driver.finish();
    ::close(peer);
    return 0;
}
