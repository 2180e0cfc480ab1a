#pragma once

#include "vmm/base/thread_setup.h"
#include "vmm/bus/bus.h"
#include "vmm/kvm/kvm_vcpu.h"
#include "vmm/vm/stop_state.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace vmlet {

// Runs each vCPU on its own thread until the VM stops. Exits are dispatched to the port and MMIO
// buses; anything that ends the guest is turned into a StopReason.
class VcpuRunner {
public:
    VcpuRunner(std::vector<KvmVcpu>& vcpus, const Bus& port_bus, const Bus& mmio_bus, StopState& stop);
    ~VcpuRunner();

    VcpuRunner(const VcpuRunner&) = delete;
    VcpuRunner& operator=(const VcpuRunner&) = delete;

    // One thread per vCPU, each running `setup` before its first KVM_RUN; a vCPU whose setup fails
    // stops the VM with its error.
    Result<void> start(ThreadSetup setup = {});
    // Kicks every vCPU out of KVM_RUN and joins its thread. Call after a stop was requested.
    void stop_and_join();
    // Every vCPU leaves KVM_RUN at a clean point (the I/O it exited for completed, api.rst
    // "immediate_exit") and waits; returns once all wait, or the VM stopped meanwhile (false).
    bool pause();
    void resume();

private:
    void run(KvmVcpu& vcpu, const ThreadSetup& setup);
    void handle(KvmVcpu& vcpu, const VcpuExit& exit);
    void kick_all();
    void park(KvmVcpu& vcpu);

    std::vector<KvmVcpu>& m_vcpus;
    const Bus& m_port_bus;
    const Bus& m_mmio_bus;
    StopState& m_stop;
    std::vector<std::thread> m_threads;

    std::mutex m_pause_lock;
    std::condition_variable m_pause_changed;
    std::atomic<bool> m_pause_requested { false };
    size_t m_parked { 0 };
};

}
