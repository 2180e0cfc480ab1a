#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace vmlet {

enum class KernelFormat {
    Elf,      // an uncompressed vmlinux
    BzImage,  // Documentation/x86/boot.rst: real-mode setup followed by the protected-mode kernel
    Unknown,
};

KernelFormat detect_kernel_format(std::span<const uint8_t> image);

enum class EntryProtocol {
    Pvh,       // 32-bit protected mode, paging off, EBX = hvm_start_info (Xen PVH boot ABI)
    Linux64,   // 64-bit mode, identity-mapped, RSI = boot_params (boot.rst "64-bit Boot Protocol")
};

// What the loader learned from the kernel image, after copying it into guest memory.
struct LoadedKernel {
    EntryProtocol protocol;
    uint64_t entry;               // guest-physical entry point
    uint64_t image_end;           // first byte after the loaded kernel
    uint64_t initrd_address_max;  // highest address the initrd's last byte may occupy
    uint64_t command_line_max;    // bytes, including the terminating NUL
    std::vector<uint8_t> setup_header; // bzImage only: header bytes for boot_params at offset 0x1f1
};

}
