#include "devices/virtio/descriptor_chain.h"

#include "devices/virtio/virtio_spec.h"
#include "vmm/base/checked_math.h"

namespace vmlet::virtio {

namespace {

// §2.7.5 struct virtq_desc, little-endian (x86 hosts only).
struct Descriptor {
    uint64_t address;
    uint32_t length;
    uint16_t flags;
    uint16_t next;
};
static_assert(sizeof(Descriptor) == 16);

// Longest sum of buffer lengths a chain may describe; lengths are 32-bit in the spec, and devices
// report used lengths as 32-bit values.
constexpr uint64_t kMaxChainBytes = UINT32_MAX;

class ChainBuilder {
public:
    ChainBuilder(const GuestMemory& memory, DescriptorChain& chain)
        : m_memory(memory)
        , m_chain(chain)
    {
    }

    Result<void> add(const Descriptor& descriptor)
    {
        bool writable = descriptor.flags & kDescWrite;
        if (!writable && !m_chain.writable.empty())
            return make_error("a device-readable descriptor follows a device-writable one");
        auto total = m_chain.readable_bytes + m_chain.writable_bytes + descriptor.length;
        if (total > kMaxChainBytes)
            return make_error("the chain describes more than 4 GiB");
        if (descriptor.length == 0)
            return {};
        auto span = m_memory.span(GuestAddress(descriptor.address), descriptor.length);
        if (!span.ok())
            return make_error("descriptor buffer {:#x}+{:#x} is outside guest RAM", descriptor.address, descriptor.length);
        if (writable) {
            m_chain.writable.push_back(span.value());
            m_chain.writable_bytes += descriptor.length;
        } else {
            m_chain.readable.push_back(span.value());
            m_chain.readable_bytes += descriptor.length;
        }
        return {};
    }

private:
    const GuestMemory& m_memory;
    DescriptorChain& m_chain;
};

Result<Descriptor> read_descriptor(const GuestMemory& memory, GuestAddress table, uint32_t index)
{
    auto address = GuestAddress(table.value() + uint64_t(index) * sizeof(Descriptor));
    auto descriptor = memory.read_object<Descriptor>(address);
    if (!descriptor.ok())
        return make_error("descriptor {} at {:#x} is outside guest RAM", index, address.value());
    return descriptor;
}

// §2.7.5.3.1: an indirect table holds a chain of its own, with indices into that table.
Result<void> walk_indirect(const GuestMemory& memory, const Descriptor& indirect, ChainBuilder& builder)
{
    if (indirect.flags & kDescNext)
        return make_error("an indirect descriptor also has the NEXT flag");
    if (indirect.length == 0 || indirect.length % sizeof(Descriptor) != 0)
        return make_error("indirect table length {} is not a non-zero multiple of 16", indirect.length);
    uint32_t count = indirect.length / sizeof(Descriptor);
    if (count > kMaxIndirectDescriptors)
        return make_error("indirect table has {} descriptors (at most {})", count, kMaxIndirectDescriptors);
    if (!memory.contains(GuestAddress(indirect.address), indirect.length))
        return make_error("indirect table {:#x}+{:#x} is outside guest RAM", indirect.address, indirect.length);
    uint32_t index = 0;
    for (uint32_t walked = 0;; ++walked) {
        if (walked == count)
            return make_error("the indirect chain loops");
        auto descriptor = TRY(read_descriptor(memory, GuestAddress(indirect.address), index));
        if (descriptor.flags & kDescIndirect)
            return make_error("an indirect table holds another indirect descriptor");
        TRY(builder.add(descriptor));
        if (!(descriptor.flags & kDescNext))
            return {};
        if (descriptor.next >= count)
            return make_error("indirect descriptor {} points past its table ({} entries)", descriptor.next, count);
        index = descriptor.next;
    }
}

}

Result<DescriptorChain> read_descriptor_chain(const GuestMemory& memory, const DescriptorTable& table, uint16_t head)
{
    DescriptorChain chain;
    chain.head = head;
    ChainBuilder builder(memory, chain);
    uint32_t index = head;
    for (uint32_t walked = 0;; ++walked) {
        if (index >= table.queue_size)
            return make_error("descriptor index {} is outside the queue (size {})", index, table.queue_size);
        if (walked == table.queue_size)
            return make_error("the descriptor chain from {} loops", head);
        auto descriptor = TRY(read_descriptor(memory, table.address, index));
        if (descriptor.flags & kDescIndirect) {
            if (!table.indirect_allowed)
                return make_error("indirect descriptor without VIRTIO_F_INDIRECT_DESC");
            TRY(walk_indirect(memory, descriptor, builder));
            return chain;
        }
        TRY(builder.add(descriptor));
        if (!(descriptor.flags & kDescNext))
            return chain;
        index = descriptor.next;
    }
}

}
