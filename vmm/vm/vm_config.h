#pragma once

#include "vmm/base/result.h"
#include "vmm/memory/guest_memory.h"

#include <optional>
#include <string>
#include <vector>

namespace vmlet {

constexpr uint64_t kMinMemoryMib = 32;
constexpr uint64_t kDefaultMemoryMib = 256;

// Everything `vmlet boot` needs to build and run one microVM.
struct VmConfig {
    std::string kernel_path;
    std::optional<std::string> initrd_path;
    std::string extra_command_line;
    std::vector<std::string> command;   // run by vmlet's guest init; empty means a shell
    uint32_t cpus { 1 };
    uint64_t memory_mib { kDefaultMemoryMib };
    MemoryBacking memory_backing { MemoryBacking::HugePages };
    std::string kvm_device { "/dev/kvm" };
    bool boot_timer { false };          // report when the guest's init starts
};

// Checks what can be checked without KVM: sizes, counts and that the files exist.
Result<void> validate_config(const VmConfig& config);

}
