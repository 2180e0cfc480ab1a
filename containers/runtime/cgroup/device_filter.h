#pragma once

#include "containers/runtime/cgroup/device_rules.h"

#include <linux/bpf.h>

#include <span>
#include <vector>

namespace vmlet {

// The cgroup v2 device controller as a program (Documentation/admin-guide/cgroup-v2.rst, "Device
// controller"): a BPF_PROG_TYPE_CGROUP_DEVICE program that the kernel runs on every mknod(2) and
// open(2) of a device node by a process of the cgroup it is attached to, with a struct
// bpf_cgroup_dev_ctx (the access as BPF_DEVCG_ACC_* << 16 | BPF_DEVCG_DEV_*, the major, the
// minor). Returning 1 allows the access; 0 refuses it with EPERM. This one returns 1 when any of
// `rules` covers the device and the whole access asked, 0 otherwise: an allowlist, as the v1
// controller's after "a" was written to devices.deny. Raw instructions (<linux/bpf.h>), no libbpf.
std::vector<bpf_insn> device_filter_program(std::span<const DeviceRule> rules);

}
