#pragma once

#include "boot/cpu_state.h"
#include "boot/kernel_image.h"
#include "vmm/base/result.h"
#include "vmm/memory/guest_memory.h"

#include <optional>
#include <span>
#include <string>

namespace vmlet {

struct LinuxBootSpec {
    std::span<const uint8_t> kernel;
    std::optional<std::span<const uint8_t>> initrd;
    std::string command_line;
    uint32_t cpu_count;
};

struct LinuxBoot {
    BootCpuState cpu;
    EntryProtocol protocol;
};

// Puts a Linux kernel, its initrd, its command line and the platform tables (e820, MP table) into
// guest memory, and says how the boot vCPU must start. Every size and offset taken from the kernel
// image is checked; a bad image is an error, never a write outside guest memory.
Result<LinuxBoot> load_linux(const GuestMemory& memory, const LinuxBootSpec& spec);

}
