#pragma once

#include <cstdint>

// Offsets of the setup header fields, identical in a bzImage file and in struct boot_params
// (Documentation/x86/boot.rst, "The Real-Mode Kernel Header"; Documentation/x86/zero-page.rst).
namespace vmlet::setup_header {

constexpr uint64_t kStart = 0x1f1;
constexpr uint64_t kSetupSects = 0x1f1;
constexpr uint64_t kSysSize = 0x1f4;
constexpr uint64_t kBootFlag = 0x1fe;
constexpr uint64_t kJump = 0x200;
constexpr uint64_t kHeaderMagic = 0x202;
constexpr uint64_t kVersion = 0x206;
constexpr uint64_t kTypeOfLoader = 0x210;
constexpr uint64_t kLoadFlags = 0x211;
constexpr uint64_t kRamdiskImage = 0x218;
constexpr uint64_t kRamdiskSize = 0x21c;
constexpr uint64_t kCmdLinePtr = 0x228;
constexpr uint64_t kInitrdAddrMax = 0x22c;
constexpr uint64_t kKernelAlignment = 0x230;
constexpr uint64_t kRelocatableKernel = 0x234;
constexpr uint64_t kXLoadFlags = 0x236;
constexpr uint64_t kCmdLineSize = 0x238;
constexpr uint64_t kPrefAddress = 0x258;
constexpr uint64_t kInitSize = 0x260;
constexpr uint64_t kEnd = 0x290; // boot_params.edd_mbr_sig_buffer follows the header

constexpr uint16_t kBootFlagValue = 0xaa55;
constexpr uint32_t kHeaderMagicValue = 0x53726448; // "HdrS"
constexpr uint8_t kLoadedHigh = 0x01;
constexpr uint16_t kXlfKernel64 = 0x01;
constexpr uint8_t kLoaderUndefined = 0xff;

}

// Offsets in struct boot_params outside the setup header (Documentation/x86/zero-page.rst).
namespace vmlet::zero_page {

constexpr uint64_t kSize = 4096;
constexpr uint64_t kExtRamdiskImage = 0x0c0;
constexpr uint64_t kExtRamdiskSize = 0x0c4;
constexpr uint64_t kExtCmdLinePtr = 0x0c8;
constexpr uint64_t kE820Entries = 0x1e8;
constexpr uint64_t kE820Table = 0x2d0;
constexpr uint64_t kE820MaxEntries = 128;
constexpr uint64_t kE820EntrySize = 20;

}
