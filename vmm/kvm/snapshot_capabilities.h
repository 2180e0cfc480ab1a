#pragma once

#include "vmm/base/result.h"
#include "vmm/kvm/kvm_system.h"

namespace vmlet {

// Whether this KVM can save and restore a VM's state (VcpuState, VmPlatformState); the error
// names the first capability it lacks, in one sentence, so that vmlet can say why it boots
// instead. XSAVE and XCRs are not required: they follow the host CPU, and a VM saved on a host
// without them restores with the legacy FPU state alone.
Result<void> check_snapshot_support(const KvmSystem& system);

}
