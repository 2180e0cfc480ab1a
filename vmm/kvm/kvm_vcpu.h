#pragma once

#include "vmm/base/mmap.h"
#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"
#include "vmm/kvm/kvm_vm.h"
#include "vmm/kvm/vcpu_exit.h"
#include "vmm/kvm/vcpu_state.h"

#include <linux/kvm.h>

#include <span>
#include <vector>

namespace vmlet {

// One KVM vCPU and its shared kvm_run page.
class KvmVcpu {
public:
    static Result<KvmVcpu> create(const KvmSystem& system, const KvmVm& vm, uint32_t index);

    uint32_t index() const { return m_index; }

    // Enters the guest until the next exit that needs user space.
    Result<VcpuExit> run();
    // Makes the next (or current, after a signal) KVM_RUN return at once (api.rst, immediate_exit).
    void request_immediate_exit();
    // Finishes the instruction behind the last exit without running the guest further: KVM takes
    // a port or MMIO access's result, and moves past the instruction, only on the next KVM_RUN
    // (api.rst 5, the note on KVM_EXIT_IO), so a vCPU stopped after such an exit, once its device
    // access was handled, needs this before save_state, or the restored guest repeats the access.
    Result<void> complete_pending_exit();

    Result<kvm_regs> get_regs() const;
    Result<void> set_regs(const kvm_regs& regs) const;
    Result<kvm_sregs> get_sregs() const;
    Result<void> set_sregs(const kvm_sregs& sregs) const;
    Result<void> set_cpuid(const std::vector<kvm_cpuid_entry2>& entries) const;
    Result<kvm_lapic_state> get_lapic() const;
    Result<void> set_lapic(const kvm_lapic_state& lapic) const;
    // KVM stops at the first MSR it cannot read or write (api.rst 4.18, 4.19): these return the
    // entries read, or the number written, which may be fewer than asked for.
    Result<std::vector<kvm_msr_entry>> read_msrs(std::span<const uint32_t> indices) const;
    Result<size_t> write_msrs(std::span<const kvm_msr_entry> msrs) const;

    // The vCPU's whole state, with the MSRs `msr_indices` (KvmSystem::saved_msr_indices), read
    // with the vCPU outside KVM_RUN and its last exit completed (complete_pending_exit).
    Result<VcpuState> save_state(const std::vector<uint32_t>& msr_indices) const;
    // Loads `state` into this vCPU, created with the CPUID the saved one had and not run yet.
    Result<void> restore_state(const VcpuState& state) const;

private:
    KvmVcpu(uint32_t index, UniqueFd fd, Mmap run, size_t xsave_size, bool has_xcrs)
        : m_index(index)
        , m_fd(std::move(fd))
        , m_run(std::move(run))
        , m_xsave_size(xsave_size)
        , m_has_xcrs(has_xcrs)
    {
    }
    kvm_run& run_area() const { return *reinterpret_cast<kvm_run*>(m_run.data()); }
    Result<XsaveImage> get_xsave() const;
    Result<void> set_xsave(const XsaveImage& image) const;

    uint32_t m_index;
    UniqueFd m_fd;
    Mmap m_run;
    size_t m_xsave_size; // bytes KVM_GET_XSAVE(2) copies; 0 without KVM_CAP_XSAVE
    bool m_has_xcrs;
};

}
