#pragma once

#include "devices/fs/export.h"
#include "vmm/base/result.h"
#include "vmm/memory/guest_memory.h"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace vmlet {

constexpr uint64_t kMinMemoryMib = 32;
constexpr uint64_t kDefaultMemoryMib = 256;

struct DiskConfig {
    std::string path;
    bool read_only { false };
};

struct NetConfig {
    std::string tap;                        // an existing tap device; empty: vmlet makes one
    std::optional<std::array<uint8_t, 6>> mac; // default: a locally administered random one
    std::optional<int> tap_fd {};           // instead of `tap`: a tap open at this inherited descriptor (fd=N)
};

struct VsockConfig {
    uint32_t guest_cid { 0 };
    std::string socket_path; // host side: PATH for host-initiated, PATH_<port> for guest-initiated
};

// One virtio-fs device: the tag the guest mounts it by, and what it exports (none, one unnamed
// directory that is the share's root, or named directories under a synthetic root).
struct ShareConfig {
    std::string tag;
    std::vector<fs::ExportConfig> exports;
};

enum class ConsoleKind {
    Serial, // the 8250 UART, ttyS0
    Virtio, // virtio-console, hvc0
};

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
    std::vector<DiskConfig> disks;      // /dev/vda, /dev/vdb, ... in this order
    std::vector<NetConfig> nets;        // eth0, eth1, ...
    std::optional<VsockConfig> vsock;
    std::vector<ShareConfig> shares;    // virtio-fs, one device per tag
    ConsoleKind console { ConsoleKind::Serial };
};

// Checks what can be checked without KVM: sizes, counts and that the files exist.
Result<void> validate_config(const VmConfig& config);

}
