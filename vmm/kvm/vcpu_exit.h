#pragma once

#include "vmm/base/result.h"

#include <linux/kvm.h>

#include <cstdint>
#include <span>
#include <variant>

namespace vmlet {

// The kvm_run exit, decoded once into a typed value so that dispatch is a std::visit over every
// case (a new alternative fails to compile until it is handled).
namespace exits {

struct PortIo {
    bool is_write;
    uint16_t port;
    uint8_t size;             // bytes per access: 1, 2 or 4
    std::span<uint8_t> data;  // `count` accesses of `size` bytes, inside the kvm_run page
};
struct Mmio {
    bool is_write;
    uint64_t address;
    std::span<uint8_t> data;  // 1 to 8 bytes
};
struct Halt { };
struct Shutdown { };          // triple fault
struct SystemEvent {
    uint32_t type;            // KVM_SYSTEM_EVENT_SHUTDOWN, _RESET or _CRASH
};
struct InternalError {
    uint32_t suberror;        // KVM_INTERNAL_ERROR_EMULATION and friends
};
struct FailEntry {
    uint64_t reason;
};
struct Interrupted { };       // KVM_RUN returned early: a signal or immediate_exit
struct Unhandled {
    uint32_t reason;
};

}

using VcpuExit = std::variant<exits::PortIo, exits::Mmio, exits::Halt, exits::Shutdown, exits::SystemEvent,
    exits::InternalError, exits::FailEntry, exits::Interrupted, exits::Unhandled>;

// `run_size` is the size of the kvm_run mapping; offsets KVM reports are checked against it.
Result<VcpuExit> decode_exit(kvm_run& run, size_t run_size);

}
