#pragma once

#include <cstdint>
#include <optional>
#include <vector>

// Hand-made kernel images for loader tests: real formats, tiny contents.
namespace vmlet::test {

struct ElfImageSpec {
    uint64_t load_address { 0x1000000 };
    uint64_t file_bytes { 0x1000 };
    uint64_t memory_bytes { 0x2000 };
    uint64_t entry { 0x1000000 };
    std::optional<uint64_t> pvh_entry { 0x1000040 }; // a XEN_ELFNOTE_PHYS32_ENTRY note
};

std::vector<uint8_t> make_elf_kernel(const ElfImageSpec& spec = {});

struct BzImageSpec {
    uint16_t protocol { 0x020f };
    uint8_t setup_sectors { 4 };
    uint64_t kernel_bytes { 0x4000 };
    uint64_t pref_address { 0x1000000 };
    uint32_t init_size { 0x10000 };
    uint32_t cmdline_size { 2047 };
    uint32_t initrd_addr_max { 0x7fffffff };
    bool kernel_64 { true };
};

std::vector<uint8_t> make_bzimage(const BzImageSpec& spec = {});

}
