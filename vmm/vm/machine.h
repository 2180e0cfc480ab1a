#pragma once

#include "vmm/bus/bus.h"
#include "vmm/event/event_loop.h"
#include "vmm/kvm/kvm_system.h"
#include "vmm/kvm/kvm_vcpu.h"
#include "vmm/kvm/kvm_vm.h"
#include "vmm/memory/guest_memory.h"
#include "vmm/vm/legacy_devices.h"
#include "vmm/vm/stop_state.h"
#include "vmm/vm/vcpu_runner.h"
#include "vmm/vm/virtio_devices.h"
#include "vmm/vm/vm_config.h"

#include <memory>
#include <optional>
#include <vector>

namespace vmlet {

// What each kind of the VM's threads runs first (vmm/sandbox: its seccomp filter).
struct ThreadSetups {
    ThreadSetup vcpu;
    ThreadSetup device;
};

// One microVM's parts, whatever started it: guest memory, the KVM VM with its in-kernel
// interrupt controllers and PIT, the legacy and virtio devices on their buses, the vCPUs (with
// their CPUID and local APIC wiring), the device thread and the vCPU threads. A cold boot
// (builder.h) then loads a kernel and the boot registers into it; a restore (vmm/snapshot) loads a
// saved state instead. Members are declared in the order they are built, and go in reverse.
class Machine {
public:
    static Result<std::unique_ptr<Machine>> create(const VmConfig& config, GuestMemory memory);
    ~Machine();
    Machine(const Machine&) = delete;
    Machine& operator=(const Machine&) = delete;

    const VmConfig& config() const { return m_config; }
    const GuestMemory& memory() const { return m_memory; }
    const KvmSystem& kvm() const { return *m_kvm; }
    const KvmVm& vm() const { return *m_vm; }
    std::vector<KvmVcpu>& vcpus() { return m_vcpus; }
    // The CPUID each vCPU was given, in vCPU order: a restore must find the same.
    const std::vector<std::vector<kvm_cpuid_entry2>>& cpuid() const { return m_cpuid; }
    StopState& stop() { return *m_stop; }
    LegacyDevices& legacy() { return *m_legacy; }
    VirtioDevices& virtio() { return *m_virtio; }

    // The device thread and the vCPU threads, each running its setup first; no thread is made
    // after these (a pause parks them). The caller has blocked the signals its main thread waits
    // for, so that these threads inherit the mask.
    Result<void> start(const ThreadSetups& setups = {});
    // Nothing moves in the guest or its devices until resume(): every vCPU has left KVM_RUN at a
    // clean point and waits, and the device thread has stopped between two requests. False when the
    // guest stopped meanwhile.
    bool pause();
    void resume();
    bool paused() const { return m_paused; }
    void stop_and_join();

private:
    Machine(VmConfig config, GuestMemory memory)
        : m_config(std::move(config))
        , m_memory(std::move(memory))
    {
    }

    VmConfig m_config;
    // The devices hold references to this, so it never moves once the machine exists.
    GuestMemory m_memory;
    std::unique_ptr<VirtioDevices> m_virtio;
    std::optional<KvmSystem> m_kvm;
    std::optional<KvmVm> m_vm;
    std::unique_ptr<StopState> m_stop;
    Bus m_port_bus;
    Bus m_mmio_bus;
    std::unique_ptr<LegacyDevices> m_legacy;
    std::vector<KvmVcpu> m_vcpus;
    std::vector<std::vector<kvm_cpuid_entry2>> m_cpuid;
    std::unique_ptr<EventLoop> m_device_loop;
    std::optional<VcpuRunner> m_runner;
    bool m_paused { false };
};

}
