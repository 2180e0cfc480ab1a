#pragma once

#include "vmm/base/result.h"
#include "vmm/memory/guest_memory.h"

#include <cstdint>
#include <span>
#include <vector>

namespace vmlet::virtio {

// One request as the driver laid it out (virtio 1.2 §2.7.5): device-readable buffers, then
// device-writable ones. Every segment has been checked to lie inside guest RAM, so a device can
// use the spans directly; the guest may still change their contents at any time, so a device
// copies what it parses before it trusts it.
struct DescriptorChain {
    uint16_t head { 0 };
    std::vector<std::span<uint8_t>> readable;
    std::vector<std::span<uint8_t>> writable;
    uint64_t readable_bytes { 0 };
    uint64_t writable_bytes { 0 };
};

// The descriptor table of one queue, as the walker needs it.
struct DescriptorTable {
    GuestAddress address;
    uint16_t queue_size;
    bool indirect_allowed; // VIRTIO_F_INDIRECT_DESC negotiated
};

// Indirect tables longer than this are refused: Linux never makes one larger than the queue, and
// a bound keeps a hostile guest from making the device walk megabytes of descriptors.
constexpr uint32_t kMaxIndirectDescriptors = 1024;

// Walks the chain starting at `head`. Refuses, with an error that names the problem: indices out of
// the table, chains longer than the table (a loop), buffers outside RAM, an indirect descriptor
// that is not allowed, nested, chained or misaligned, and readable buffers after writable ones.
Result<DescriptorChain> read_descriptor_chain(const GuestMemory& memory, const DescriptorTable& table, uint16_t head);

}
