// Fuzzes block request parsing and execution (devices/virtio/block_device.cpp) through the
// transport and queue, on a 64 KiB temporary image (one writable, one read-only device, created
// once).
// Input: 1 byte: bits 0-2 = log2(queue size) (1..128 entries), bit 3 = use the read-only device;
//        4 bytes: the low 32 device feature bits the driver accepts (masked to what is offered;
//        VERSION_1, INDIRECT_DESC and EVENT_IDX are always negotiated);
//        then the contents of 64 KiB of guest RAM at 0, laid out as in fuzz_common.h: queue 0's
//        descriptor table at 0, available ring at 0x800, used ring at 0xa00, buffers anywhere.
// The harness sets DRIVER_OK and kicks queue 0 once.

#include "devices/virtio/block_device.h"
#include "tests/fuzz/fuzz_common.h"

#include <unistd.h>

#include <memory>
#include <vector>

using namespace vmlet;
using namespace vmlet::virtio;

namespace {

constexpr size_t kImageSize = 64 * 1024;

std::unique_ptr<BlockDevice> open_image(bool read_only)
{
    char path[] = "/tmp/vmlet-fuzz-block-XXXXXX";
    int fd = ::mkstemp(path);
    fuzz::check(fd >= 0, "mkstemp");
    std::vector<uint8_t> pattern(kImageSize);
    for (size_t index = 0; index < pattern.size(); ++index)
        pattern[index] = uint8_t(index * 7);
    fuzz::check(::write(fd, pattern.data(), pattern.size()) == ssize_t(pattern.size()), "image write");
    ::close(fd);
    auto device = BlockDevice::open(path, read_only);
    ::unlink(path); // the device keeps its descriptor; nothing is left behind
    fuzz::check(device.ok(), "BlockDevice::open");
    return device.release_value();
}

std::unique_ptr<BlockDevice> g_devices[2];

}

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    g_devices[0] = open_image(false);
    g_devices[1] = open_image(true);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::Input input(data, size);
    auto flags = input.take<uint8_t>();
    auto features = input.take<uint32_t>();
    auto memory = fuzz::make_memory(input.rest());
    auto& device = *g_devices[(flags >> 3) & 1];

    auto created = MmioTransport::create(device, memory);
    fuzz::check(created.ok(), "MmioTransport::create");
    fuzz::Driver driver(*created.value());
    uint64_t wanted = feature(kFeatureVersion1) | feature(kFeatureIndirectDesc) | feature(kFeatureEventIdx) | features;
    driver.initialise(wanted, 1, uint16_t(1u << (flags & 7)));
    driver.kick(0);
    driver.finish();
    return 0;
}
