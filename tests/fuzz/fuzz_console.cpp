// Fuzzes the virtio console (devices/virtio/console_device.cpp): guest output through the
// transmit queue (written to /dev/null) and host input delivered into receive buffers.
// Input: 1 byte: bits 0-2 = log2(queue size) (1..64 entries; 128 is refused at DRIVER_OK);
//        4 bytes: the low 32 driver feature bits (masked to what is offered; VERSION_1 always);
//        2 bytes: length of host input, then that many bytes (pushed through ConsoleSink);
//        then the contents of 64 KiB of guest RAM at 0, laid out as in fuzz_common.h:
//        receive queue 0 at 0 (avail 0x800, used 0xa00), transmit queue 1 at 0x1000
//        (avail 0x1800, used 0x1a00), buffers anywhere.
// The harness kicks the transmit queue (1), pushes the input, then kicks the receive queue (0).

#include "devices/virtio/console_device.h"
#include "tests/fuzz/fuzz_common.h"

#include <fcntl.h>

using namespace vmlet;
using namespace vmlet::virtio;

namespace {

int g_null = -1;

}

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    g_null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    fuzz::check(g_null >= 0, "open /dev/null");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::Input input(data, size);
    auto flags = input.take<uint8_t>();
    auto features = input.take<uint32_t>();
    auto host_input = input.take_bytes(input.take<uint16_t>());
    auto memory = fuzz::make_memory(input.rest());

    ConsoleDevice device(g_null);
    auto created = MmioTransport::create(device, memory);
    fuzz::check(created.ok(), "MmioTransport::create");
    fuzz::Driver driver(*created.value());
    driver.initialise(feature(kFeatureVersion1) | features, 2, uint16_t(1u << (flags & 7)));

    driver.kick(ConsoleDevice::kTransmitQueue);
    (void)device.push_input(host_input);
    driver.kick(ConsoleDevice::kReceiveQueue);
    driver.finish();
    return 0;
}
