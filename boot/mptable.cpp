#include "boot/mptable.h"

#include "boot/layout.h"

#include <cstring>
#include <vector>

namespace vmlet {

// Intel MP Spec 1.4, chapter 4. All structures are packed and little-endian.
#pragma pack(push, 1)
struct MpFloatingPointer {
    char signature[4]; // "_MP_"
    uint32_t config_table;
    uint8_t length;    // in 16-byte units
    uint8_t spec_revision;
    uint8_t checksum;
    uint8_t features[5];
};
struct MpConfigHeader {
    char signature[4]; // "PCMP"
    uint16_t length;
    uint8_t spec_revision;
    uint8_t checksum;
    char oem_id[8];
    char product_id[12];
    uint32_t oem_table;
    uint16_t oem_table_size;
    uint16_t entry_count;
    uint32_t local_apic;
    uint16_t extended_length;
    uint8_t extended_checksum;
    uint8_t reserved;
};
struct MpProcessor {
    uint8_t type;
    uint8_t apic_id;
    uint8_t apic_version;
    uint8_t flags;
    uint32_t signature;
    uint32_t features;
    uint32_t reserved[2];
};
struct MpBus {
    uint8_t type;
    uint8_t bus_id;
    char bus_type[6];
};
struct MpIoApic {
    uint8_t type;
    uint8_t apic_id;
    uint8_t apic_version;
    uint8_t flags;
    uint32_t address;
};
struct MpInterrupt { // I/O interrupt assignment (type 3) and local interrupt assignment (type 4)
    uint8_t type;
    uint8_t interrupt_type;
    uint16_t flags;
    uint8_t source_bus;
    uint8_t source_irq;
    uint8_t destination_apic;
    uint8_t destination_pin;
};
#pragma pack(pop)
static_assert(sizeof(MpFloatingPointer) == 16 && sizeof(MpConfigHeader) == 44 && sizeof(MpProcessor) == 20);
static_assert(sizeof(MpBus) == 8 && sizeof(MpIoApic) == 8 && sizeof(MpInterrupt) == 8);

enum : uint8_t { kEntryProcessor = 0, kEntryBus = 1, kEntryIoApic = 2, kEntryIoInterrupt = 3, kEntryLocalInterrupt = 4 };
enum : uint8_t { kInterruptInt = 0, kInterruptNmi = 1, kInterruptExtInt = 3 };
constexpr uint8_t kSpecRevision = 4;              // MP spec 1.4
constexpr uint8_t kLocalApicVersion = 0x14;
constexpr uint8_t kIoApicVersion = 0x11;
constexpr uint8_t kProcessorEnabled = 1;
constexpr uint8_t kProcessorBootstrap = 2;
constexpr uint32_t kCpuSignature = 0x600;         // family 6
constexpr uint32_t kCpuFeatures = 0x201;          // FPU and on-chip APIC
constexpr uint8_t kAllLocalApics = 0xff;

template<typename T>
static void append(std::vector<uint8_t>& table, const T& entry)
{
    auto bytes = reinterpret_cast<const uint8_t*>(&entry);
    table.insert(table.end(), bytes, bytes + sizeof(T));
}

static uint8_t checksum(const uint8_t* bytes, size_t size)
{
    uint8_t sum = 0;
    for (size_t index = 0; index < size; ++index)
        sum = uint8_t(sum + bytes[index]);
    return uint8_t(-sum);
}

Result<uint64_t> write_mptable(const GuestMemory& memory, uint64_t address, uint32_t cpu_count)
{
    if (cpu_count == 0 || cpu_count > kMaxMpTableCpus)
        return make_error("the MP table can describe 1 to {} vCPUs, not {}", kMaxMpTableCpus, cpu_count);
    const uint8_t io_apic_id = uint8_t(cpu_count);

    std::vector<uint8_t> table(sizeof(MpFloatingPointer) + sizeof(MpConfigHeader));
    uint16_t entries = 0;
    for (uint32_t cpu = 0; cpu < cpu_count; ++cpu, ++entries) {
        uint8_t flags = kProcessorEnabled | (cpu == 0 ? kProcessorBootstrap : 0);
        append(table, MpProcessor { kEntryProcessor, uint8_t(cpu), kLocalApicVersion, flags, kCpuSignature, kCpuFeatures, { 0, 0 } });
    }
    append(table, MpBus { kEntryBus, 0, { 'I', 'S', 'A', ' ', ' ', ' ' } });
    append(table, MpIoApic { kEntryIoApic, io_apic_id, kIoApicVersion, 1, uint32_t(layout::kIoApicAddress) });
    entries += 2;
    // Every ISA IRQ n goes to I/O APIC pin n (flags 0: polarity and trigger conform to the bus).
    for (uint8_t pin = 0; pin < kIoApicPins; ++pin, ++entries)
        append(table, MpInterrupt { kEntryIoInterrupt, kInterruptInt, 0, 0, pin, io_apic_id, pin });
    // The 8259 reaches every local APIC's LINT0 as ExtINT; NMIs arrive on LINT1.
    append(table, MpInterrupt { kEntryLocalInterrupt, kInterruptExtInt, 0, 0, 0, kAllLocalApics, 0 });
    append(table, MpInterrupt { kEntryLocalInterrupt, kInterruptNmi, 0, 0, 0, kAllLocalApics, 1 });
    entries += 2;

    if (table.size() > layout::kMpTableMaxSize)
        return make_error("MP table of {} bytes exceeds its {}-byte area", table.size(), layout::kMpTableMaxSize);

    MpFloatingPointer pointer {};
    std::memcpy(pointer.signature, "_MP_", 4);
    pointer.config_table = uint32_t(address + sizeof(MpFloatingPointer));
    pointer.length = 1;
    pointer.spec_revision = kSpecRevision;
    pointer.checksum = checksum(reinterpret_cast<const uint8_t*>(&pointer), sizeof(pointer));
    std::memcpy(table.data(), &pointer, sizeof(pointer));

    MpConfigHeader header {};
    std::memcpy(header.signature, "PCMP", 4);
    header.length = uint16_t(table.size() - sizeof(MpFloatingPointer));
    header.spec_revision = kSpecRevision;
    std::memcpy(header.oem_id, "VMLET   ", 8);
    std::memcpy(header.product_id, "MICROVM     ", 12);
    header.entry_count = entries;
    header.local_apic = uint32_t(layout::kLocalApicAddress);
    uint8_t* config = table.data() + sizeof(MpFloatingPointer);
    std::memcpy(config, &header, sizeof(header));
    config[offsetof(MpConfigHeader, checksum)] = checksum(config, header.length);

    TRY(memory.write(GuestAddress(address), table));
    return uint64_t(table.size());
}

}
