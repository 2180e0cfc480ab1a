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
};

// The one place that turns an isolation into a sandbox (DESIGN.md "Containers"). It prepares, while
// the caller holds the image store's lock, what the sandbox will need when it starts: for vm
// isolation the image's disk (built once per image), the user resolved in the image's own files
// (the guest agent makes no lookups) and the VM's size (the container's memory limit is its RAM,
// as Hyper-V isolation sizes its utility VM; --cpus rounds up to whole vCPUs). The starter it
// returns runs without the lock.
Result<SandboxStarter> prepare_sandbox(const SandboxPlan& plan, const image::Store& store, const image::ImageRecord& image,
    const ContainerSpec& spec);

}
