#include "vmm/kvm/kvm_vm.h"

#include <sys/ioctl.h>

namespace vmlet {

// Intel needs three pages for the real-mode TSS somewhere guest RAM is not (api.rst
// KVM_SET_TSS_ADDR); just below the I/O APIC, as QEMU does.
constexpr uint64_t kTssAddress = 0xfffbd000;

Result<KvmVm> KvmVm::create(const KvmSystem& system)
{
    int fd = ::ioctl(system.fd(), KVM_CREATE_VM, 0);
    if (fd < 0)
        return errno_error("KVM_CREATE_VM");
    return KvmVm(UniqueFd(fd));
}

int KvmVm::check_extension(long capability) const
{
    return ::ioctl(m_fd.get(), KVM_CHECK_EXTENSION, capability);
}

Result<void> KvmVm::register_memory(const GuestMemory& memory)
{
    uint32_t slot = 0;
    for (const auto& region : memory.regions()) {
        kvm_userspace_memory_region slot_spec {};
        slot_spec.slot = slot++;
        slot_spec.guest_phys_addr = region.start.value();
        slot_spec.memory_size = region.size;
        slot_spec.userspace_addr = reinterpret_cast<uint64_t>(region.map.data());
        if (::ioctl(m_fd.get(), KVM_SET_USER_MEMORY_REGION, &slot_spec) < 0)
            return errno_error(fmt::format("KVM_SET_USER_MEMORY_REGION at {:#x}", region.start.value()));
    }
    return {};
}

Result<void> KvmVm::create_platform()
{
    if (::ioctl(m_fd.get(), KVM_SET_TSS_ADDR, kTssAddress) < 0)
        return errno_error("KVM_SET_TSS_ADDR");
    if (::ioctl(m_fd.get(), KVM_CREATE_IRQCHIP, 0) < 0)
        return errno_error("KVM_CREATE_IRQCHIP");
    // No KVM_PIT_SPEAKER_DUMMY: KVM then emulates port 0x61 (the PIT channel 2 gate) too, which
    // Linux needs to calibrate the TSC against the PIT when it has no kvmclock.
    kvm_pit_config pit {};
    if (::ioctl(m_fd.get(), KVM_CREATE_PIT2, &pit) < 0)
        return errno_error("KVM_CREATE_PIT2");
    return {};
}

Result<void> KvmVm::set_irq_line(uint32_t irq, bool level) const
{
    kvm_irq_level line {};
    line.irq = irq;
    line.level = level ? 1 : 0;
    if (::ioctl(m_fd.get(), KVM_IRQ_LINE, &line) < 0)
        return errno_error(fmt::format("KVM_IRQ_LINE {}", irq));
    return {};
}

Result<void> KvmVm::add_mmio_eventfd(uint64_t address, uint32_t value, int fd) const
{
    kvm_ioeventfd spec {};
    spec.datamatch = value;
    spec.addr = address;
    spec.len = 4;
    spec.fd = fd;
    spec.flags = KVM_IOEVENTFD_FLAG_DATAMATCH;
    if (::ioctl(m_fd.get(), KVM_IOEVENTFD, &spec) < 0)
        return errno_error(fmt::format("KVM_IOEVENTFD at {:#x}", address));
    return {};
}

Result<void> KvmVm::add_irqfd(int fd, uint32_t gsi) const
{
    kvm_irqfd spec {};
    spec.fd = uint32_t(fd);
    spec.gsi = gsi;
    if (::ioctl(m_fd.get(), KVM_IRQFD, &spec) < 0)
        return errno_error(fmt::format("KVM_IRQFD for interrupt {}", gsi));
    return {};
}

Result<UniqueFd> KvmVm::create_vcpu(uint32_t index) const
{
    int fd = ::ioctl(m_fd.get(), KVM_CREATE_VCPU, index);
    if (fd < 0)
        return errno_error(fmt::format("KVM_CREATE_VCPU {}", index));
    return UniqueFd(fd);
}

static Result<kvm_irqchip> get_irqchip(int vm_fd, uint32_t chip_id)
{
    kvm_irqchip chip {};
    chip.chip_id = chip_id;
    if (::ioctl(vm_fd, KVM_GET_IRQCHIP, &chip) < 0)
        return errno_error(fmt::format("KVM_GET_IRQCHIP {}", chip_id));
    return chip;
}

Result<VmPlatformState> KvmVm::save_platform() const
{
    VmPlatformState state {};
    state.pic_master = TRY(get_irqchip(m_fd.get(), kIrqchipPicMaster));
    state.pic_slave = TRY(get_irqchip(m_fd.get(), kIrqchipPicSlave));
    state.ioapic = TRY(get_irqchip(m_fd.get(), kIrqchipIoapic));
    if (::ioctl(m_fd.get(), KVM_GET_PIT2, &state.pit) < 0)
        return errno_error("KVM_GET_PIT2");
    if (::ioctl(m_fd.get(), KVM_GET_CLOCK, &state.clock) < 0)
        return errno_error("KVM_GET_CLOCK");
    return state;
}

// The interrupt controllers come before the PIT, whose timer KVM_SET_PIT2 re-arms and which then
// raises IRQ 0 into the restored PIC and I/O APIC rather than into ones about to be overwritten.
Result<void> KvmVm::restore_platform(const VmPlatformState& state) const
{
    for (const auto* chip : { &state.pic_master, &state.pic_slave, &state.ioapic }) {
        if (::ioctl(m_fd.get(), KVM_SET_IRQCHIP, chip) < 0)
            return errno_error(fmt::format("KVM_SET_IRQCHIP {}", chip->chip_id));
    }
    if (::ioctl(m_fd.get(), KVM_SET_PIT2, &state.pit) < 0)
        return errno_error("KVM_SET_PIT2");
    // api.rst 4.30: with KVM_CLOCK_REALTIME, KVM advances the clock by the real time elapsed since
    // the save (other flags KVM_GET_CLOCK returned are ignored). vmlet clears it: the guest resumes
    // as from a pause, its KVM clock where it was, as its TSC is (the MSRs restore it, except on
    // PVM, where a running guest's TSC is the host's); the guest learns the wall-clock time some
    // other way.
    kvm_clock_data clock = state.clock;
    clock.flags &= ~uint32_t(KVM_CLOCK_REALTIME);
    if (::ioctl(m_fd.get(), KVM_SET_CLOCK, &clock) < 0)
        return errno_error("KVM_SET_CLOCK");
    return {};
}

}
