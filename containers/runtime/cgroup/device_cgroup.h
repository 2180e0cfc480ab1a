#pragma once

#include "vmm/base/result.h"
#include "containers/runtime/cgroup/device_rules.h"

#include <span>
#include <string>

namespace vmlet {

// Confines the processes of a cgroup to `rules`' devices: what they may mknod(2) and open(2).
// Nothing else stops a container's root from opening a node of the host's disk, which it can make
// with CAP_MKNOD (Docker's default capabilities keep it) or find on a mount without nodev.

// cgroup v1: `directory` is in the devices hierarchy; "a" goes to devices.deny, which empties its
// allowlist, then each rule to devices.allow (Documentation/admin-guide/cgroup-v1/devices.rst).
Result<void> confine_devices_v1(const std::string& directory, std::span<const DeviceRule> rules);

// cgroup v2: device_filter_program(rules), loaded with bpf(2) and attached to `directory` as its
// BPF_CGROUP_DEVICE program. BPF_F_ALLOW_MULTI, as systemd and runc attach theirs: a program of
// an ancestor's still runs, and the access must pass both.
Result<void> confine_devices_v2(const std::string& directory, std::span<const DeviceRule> rules);

}
