#pragma once

#include <cstdint>

namespace vmlet {

// A PVM host ("pagetable-based virtual machine", the kvm_pvm module) interprets guest kernel code
// and cannot run guest hypercalls or some instructions; vmlet then adapts the guest
// (shared/ENVIRONMENT.md). On ordinary KVM it changes nothing.
bool is_pvm_host();

// Physical memory of the host, in bytes.
uint64_t host_memory_bytes();

}
