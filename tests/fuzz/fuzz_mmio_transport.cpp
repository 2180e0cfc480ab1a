// Fuzzes the virtio-mmio register file (devices/virtio/mmio_transport.cpp) and the split virtqueue
// (virtqueue.cpp) behind it, with an RngDevice as the device.
// Input: 2 bytes N (little-endian; how many bytes of operations follow), N bytes of operations,
// then the contents of 64 KiB of guest RAM at 0 (rings and buffers live wherever the operations
// point the queue registers; fuzz_common.h's layout is what the seeds use).
// Each operation starts with one opcode byte:
//   op & 3 == 0: write  - 2 bytes offset (0..0x1ff), 1 byte width selector, 8 bytes value
//   op & 3 == 1: read   - 2 bytes offset, 1 byte width selector
//   op & 3 == 2: notify - process_notify(op >> 2) (as if the queue's eventfd fired)
//   op & 3 == 3: write a 32-bit register at offset (op >> 2) * 4 (a short form for the seeds),
//                4 bytes value
// The width selector picks 1, 2, 4 or 8 bytes (& 3); only 4-byte aligned accesses reach registers.

#include "devices/virtio/rng_device.h"
#include "tests/fuzz/fuzz_common.h"

using namespace vmlet;
using namespace vmlet::virtio;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::Input input(data, size);
    auto length = input.take<uint16_t>();
    auto operations_bytes = input.take_bytes(length);
    auto memory = fuzz::make_memory(input.rest());

    RngDevice device;
    auto created = MmioTransport::create(device, memory);
    fuzz::check(created.ok(), "MmioTransport::create");
    auto& transport = *created.value();

    fuzz::Input operations(operations_bytes.data(), operations_bytes.size());
    while (operations.remaining() > 0) {
        auto op = operations.take<uint8_t>();
        switch (op & 3) {
        case 0:
        case 1: {
            uint64_t offset = operations.take<uint16_t>() % 0x200;
            size_t width = size_t(1) << (operations.take<uint8_t>() & 3);
            uint8_t bytes[8] {};
            if ((op & 3) == 0) {
                auto value = operations.take<uint64_t>();
                std::memcpy(bytes, &value, 8);
                transport.write(offset, std::span<const uint8_t>(bytes, width));
            } else {
                transport.read(offset, std::span<uint8_t>(bytes, width));
            }
            break;
        }
        case 2: {
            uint16_t queue = op >> 2;
            if (queue < transport.queue_count()) {
                uint64_t count = 0;
                (void)!::read(transport.queue_notify_fd(queue), &count, sizeof(count));
            }
            transport.process_notify(queue);
            break;
        }
        case 3: {
            auto value = operations.take<uint32_t>();
            transport.write(uint64_t(op >> 2) * 4, std::span(reinterpret_cast<const uint8_t*>(&value), 4));
            break;
        }
        }
    }
    fuzz::Driver(transport).finish();
    return 0;
}
