#include "vmm/kvm/vcpu_exit.h"

#include "vmm/base/checked_math.h"

namespace vmlet {

Result<VcpuExit> decode_exit(kvm_run& run, size_t run_size)
{
    switch (run.exit_reason) {
    case KVM_EXIT_IO: {
        uint64_t size = run.io.size;
        if (size != 1 && size != 2 && size != 4)
            return make_error("KVM reported a {}-byte port access", size);
        auto length = checked_mul(size, run.io.count);
        if (!length || !range_fits(run.io.data_offset, *length, run_size))
            return make_error("KVM port I/O data at {:#x} lies outside kvm_run", run.io.data_offset);
        std::span<uint8_t> data(reinterpret_cast<uint8_t*>(&run) + run.io.data_offset, *length);
        return VcpuExit(exits::PortIo { run.io.direction == KVM_EXIT_IO_OUT, run.io.port, uint8_t(size), data });
    }
    case KVM_EXIT_MMIO: {
        uint32_t length = run.mmio.len;
        if (length == 0 || length > sizeof(run.mmio.data))
            return make_error("KVM reported a {}-byte MMIO access", length);
        return VcpuExit(exits::Mmio { run.mmio.is_write != 0, run.mmio.phys_addr, std::span<uint8_t>(run.mmio.data, length) });
    }
    case KVM_EXIT_HLT:
        return VcpuExit(exits::Halt {});
    case KVM_EXIT_SHUTDOWN:
        return VcpuExit(exits::Shutdown {});
    case KVM_EXIT_SYSTEM_EVENT:
        return VcpuExit(exits::SystemEvent { run.system_event.type });
    case KVM_EXIT_INTERNAL_ERROR:
        return VcpuExit(exits::InternalError { run.internal.suberror });
    case KVM_EXIT_FAIL_ENTRY:
        return VcpuExit(exits::FailEntry { run.fail_entry.hardware_entry_failure_reason });
    case KVM_EXIT_INTR:
        return VcpuExit(exits::Interrupted {});
    default:
        return VcpuExit(exits::Unhandled { run.exit_reason });
    }
}

}
