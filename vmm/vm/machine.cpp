#include "vmm/vm/machine.h"

#include "vmm/kvm/cpuid.h"
#include "vmm/vm/boot_registers.h"
#include "vmm/base/host.h"

namespace vmlet {

Result<std::unique_ptr<Machine>> Machine::create(const VmConfig& config, GuestMemory memory)
{
    std::unique_ptr<Machine> machine(new Machine(config, std::move(memory)));
    // Every back-end a user names (images, taps, sockets) is opened before KVM is touched.
    machine->m_virtio = TRY(VirtioDevices::create(config, machine->m_memory));
    machine->m_kvm = TRY(KvmSystem::open(config.kvm_device));
    if (config.cpus > machine->m_kvm->max_vcpus())
        return make_error("--cpus {} is more than KVM allows on this host ({})", config.cpus, machine->m_kvm->max_vcpus());
    machine->m_vm = TRY(KvmVm::create(*machine->m_kvm));
    TRY(machine->m_vm->register_memory(machine->m_memory));
    TRY(machine->m_vm->create_platform());
    machine->m_stop = TRY(StopState::create());
    machine->m_legacy = std::make_unique<LegacyDevices>(*machine->m_vm, *machine->m_stop);
    TRY(machine->m_legacy->attach(machine->m_port_bus));

    auto supported = TRY(machine->m_kvm->supported_cpuid());
    auto hypercalls = is_pvm_host() ? GuestHypercalls::Hidden : GuestHypercalls::Available;
    for (uint32_t index = 0; index < config.cpus; ++index) {
        auto vcpu = TRY(KvmVcpu::create(*machine->m_kvm, *machine->m_vm, index));
        auto cpuid = vcpu_cpuid(supported, index, config.cpus, hypercalls);
        TRY(vcpu.set_cpuid(cpuid));
        TRY(configure_local_apic(vcpu));
        machine->m_vcpus.push_back(std::move(vcpu));
        machine->m_cpuid.push_back(std::move(cpuid));
    }
    // Wired, but no thread runs yet: a restore loads the devices' state first.
    machine->m_device_loop = TRY(EventLoop::create());
    TRY(machine->m_virtio->attach(*machine->m_vm, machine->m_mmio_bus, *machine->m_device_loop));
    return machine;
}

Machine::~Machine()
{
    stop_and_join();
}

Result<void> Machine::start(const ThreadSetups& setups)
{
    TRY(m_device_loop->start(setups.device));
    m_runner.emplace(m_vcpus, m_port_bus, m_mmio_bus, *m_stop);
    return m_runner->start(setups.vcpu);
}

bool Machine::pause()
{
    if (m_paused)
        return true;
    if (!m_runner || !m_runner->pause())
        return false;
    m_device_loop->pause();
    m_paused = true;
    return true;
}

void Machine::resume()
{
    if (!m_paused)
        return;
    m_device_loop->resume();
    m_runner->resume();
    m_paused = false;
}

void Machine::stop_and_join()
{
    if (m_runner)
        m_runner->stop_and_join();
    if (m_device_loop)
        m_device_loop->stop_and_join();
}

}
