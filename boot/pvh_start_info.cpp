#include "boot/pvh_start_info.h"

#include "boot/layout.h"

namespace vmlet {

constexpr uint32_t kHvmStartMagic = 0x336ec578;

struct HvmStartInfo {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;
    uint32_t memmap_entries;
    uint32_t reserved;
};
static_assert(sizeof(HvmStartInfo) == 56);

struct HvmModlistEntry {
    uint64_t paddr;
    uint64_t size;
    uint64_t cmdline_paddr;
    uint64_t reserved;
};
static_assert(sizeof(HvmModlistEntry) == 32);

struct HvmMemmapEntry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
    uint32_t reserved;
};
static_assert(sizeof(HvmMemmapEntry) == 24);

constexpr uint64_t kModlistOffset = 0x40;
constexpr uint64_t kMemmapOffset = 0x80;
// Everything must stay below the zero page's slot.
constexpr uint64_t kMaxMemmapEntries = (layout::kZeroPageAddress - layout::kPvhStartInfoAddress - kMemmapOffset) / sizeof(HvmMemmapEntry);

Result<void> write_pvh_start_info(const GuestMemory& memory, uint64_t address, BootModule command_line,
    std::optional<BootModule> initrd, const std::vector<E820Entry>& e820)
{
    if (e820.size() > kMaxMemmapEntries)
        return make_error("{} memory map entries do not fit in the PVH start info", e820.size());
    HvmStartInfo info {};
    info.magic = kHvmStartMagic;
    info.version = 1;
    info.cmdline_paddr = command_line.address;
    info.memmap_paddr = address + kMemmapOffset;
    info.memmap_entries = uint32_t(e820.size());
    if (initrd) {
        info.nr_modules = 1;
        info.modlist_paddr = address + kModlistOffset;
        TRY(memory.write_object(GuestAddress(info.modlist_paddr), HvmModlistEntry { initrd->address, initrd->size, 0, 0 }));
    }
    for (size_t index = 0; index < e820.size(); ++index) {
        HvmMemmapEntry entry { e820[index].address, e820[index].size, e820[index].type, 0 };
        TRY(memory.write_object(GuestAddress(info.memmap_paddr + index * sizeof(entry)), entry));
    }
    return memory.write_object(GuestAddress(address), info);
}

}
