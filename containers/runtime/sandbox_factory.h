#pragma once

#include "containers/image/image_index.h"
#include "containers/image/store.h"
#include "containers/runtime/container_monitor.h"
#include "containers/runtime/container_spec.h"
#include "containers/runtime/isolation.h"
#include "vmm/base/result.h"

namespace vmlet {

// What a sandbox needs beyond the spec, known when the container is created.
struct SandboxPlan {
    Isolation isolation { Isolation::Vm };
    bool publish_ports { false }; // -p was given: the VM's agent brings up loopback and forwards
    bool use_template { true };   // vm: restore the image's template (built on first use), not boot
};

// A sandbox ready to start, and what the user should hear about how (a VM that boots cold because
// templates are unavailable here, and why).
struct PreparedSandbox {
    SandboxStarter start;
    std::vector<std::string> notices;
};

// The one place that turns an isolation into a sandbox (DESIGN.md "Containers"). It prepares, while
// the caller holds the image store's lock, what the sandbox will need when it starts: for vm
// isolation the image's disk (built once per image), the user resolved in the image's own files
// (the guest agent makes no lookups) and the VM's size (the container's memory limit is its RAM,
// as Hyper-V isolation sizes its utility VM; --cpus rounds up to whole vCPUs). The starter it
// returns runs without the lock. A VM container restores its image's template (vm_template.h),
// which is built here on the image's first VM container; where this host cannot restore VMs it
// boots cold, and says so once in the notices. The spec's security options are checked here for
// the isolation: resolved for a process container (unknown capabilities, a bad seccomp profile),
// and for a VM refused where they ask what the VM would not do (check_vm_security).
// `vmlet template build`: the template that VM containers of `image` with `limits` restore, built
// now when missing. The caller holds the image store's lock.
Result<std::string> build_vm_template(const image::Store& store, const image::ImageRecord& image, const ResourceLimits& limits);

Result<PreparedSandbox> prepare_sandbox(const SandboxPlan& plan, const image::Store& store, const image::ImageRecord& image,
    const ContainerSpec& spec);

// The same for an OCI bundle's container (vmlet-runtime), whose root is the bundle's directory
// (RootfsSpec::bundle_root) rather than an image of the store. A VM's comes over virtio-fs; its
// template, one per VM size, and the blank disk it boots with are kept in `vm_store_root` (vmlet's
// store), beside the images' own.
Result<PreparedSandbox> prepare_bundle_sandbox(Isolation isolation, const ContainerSpec& spec, const std::string& vm_store_root);

}
