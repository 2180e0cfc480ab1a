// Fuzzes read_descriptor_chain (devices/virtio/descriptor_chain.cpp) directly.
// Input: 9 header bytes, then the contents of 64 KiB of guest RAM at address 0.
//   [0..1]  queue size (little-endian u16; 0 and non-powers of two are passed through as given)
//   [2..5]  descriptor table address (u32; the walker must cope with any value)
//   [6..7]  head index (u16)
//   [8]     bit 0 = indirect_allowed
// Every span of an accepted chain must lie inside the RAM mapping and the byte counts must match.

#include "tests/fuzz/fuzz_common.h"

using namespace vmlet;
using namespace vmlet::virtio;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::Input input(data, size);
    auto queue_size = input.take<uint16_t>();
    auto table = input.take<uint32_t>();
    auto head = input.take<uint16_t>();
    bool indirect_allowed = input.take<uint8_t>() & 1;
    auto memory = fuzz::make_memory(input.rest());

    auto chain = read_descriptor_chain(memory, { GuestAddress(table), queue_size, indirect_allowed }, head);
    if (!chain.ok())
        return 0;

    auto& region = memory.regions().front();
    const uint8_t* begin = region.map.data();
    auto* end = begin + region.size;
    auto check_spans = [&](const std::vector<std::span<uint8_t>>& spans, uint64_t expected) {
        uint64_t total = 0;
        for (auto span : spans) {
            fuzz::check(!span.empty(), "chain holds an empty span");
            fuzz::check(span.data() >= begin && span.data() + span.size() <= end, "chain span outside guest RAM");
            total += span.size();
        }
        fuzz::check(total == expected, "chain byte count does not match its spans");
    };
    check_spans(chain.value().readable, chain.value().readable_bytes);
    check_spans(chain.value().writable, chain.value().writable_bytes);
    fuzz::check(chain.value().head == head, "chain head differs from the requested head");
    return 0;
}
