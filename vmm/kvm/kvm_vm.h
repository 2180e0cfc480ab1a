#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"
#include "vmm/kvm/kvm_system.h"
#include "vmm/kvm/vm_state.h"
#include "vmm/memory/guest_memory.h"

namespace vmlet {

// One KVM virtual machine: its memory slots, in-kernel interrupt controllers and PIT.
class KvmVm {
public:
    static Result<KvmVm> create(const KvmSystem& system);

    int fd() const { return m_fd.get(); }
    // Some capabilities depend on the VM (api.rst 4.4): KVM_CAP_XSAVE2's size is one.
    int check_extension(long capability) const;
    Result<void> register_memory(const GuestMemory& memory);
    // The in-kernel PIC, I/O APIC and local APICs, and the PIT: interrupts and timers then never
    // leave the kernel, which matters when each exit costs microseconds.
    Result<void> create_platform();
    Result<void> set_irq_line(uint32_t irq, bool level) const;
    // A guest write of `value` (4 bytes) to `address` signals `fd` inside KVM, with no exit to
    // vmlet (api.rst KVM_IOEVENTFD): virtqueue notifications.
    Result<void> add_mmio_eventfd(uint64_t address, uint32_t value, int fd) const;
    // Signalling `fd` raises an edge on interrupt line `gsi` (api.rst KVM_IRQFD).
    Result<void> add_irqfd(int fd, uint32_t gsi) const;
    Result<UniqueFd> create_vcpu(uint32_t index) const;

    // The interrupt controllers, PIT and KVM clock, read with every vCPU stopped.
    Result<VmPlatformState> save_platform() const;
    // Loads them into this VM, after create_platform() and before any vCPU runs.
    Result<void> restore_platform(const VmPlatformState& state) const;

private:
    explicit KvmVm(UniqueFd fd)
        : m_fd(std::move(fd))
    {
    }

    UniqueFd m_fd;
};

}
