#pragma once

#include "vmm/base/result.h"

#include <string>

namespace vmlet {

// A VM container's writable layer, as the VM's second disk (/dev/vdb; guest/agent/agent_protocol.h,
// 'L'). Every container VM has one, templates too, since a restore can replace a disk but not add
// one; all are one size, since a restore keeps the capacity the guest's driver read at boot.
//
// A container that outlives its run keeps its files in `DIR/layer.ext4`, made once (a sparse
// ext4, formatted on the host so the guest only mounts it) and given to each of its VMs, so that
// `vmlet start` after `stop` finds them, as a process container's upper directory keeps them.
// Returns its path.
Result<std::string> container_layer_disk(const std::string& state_directory);

// A blank disk of that size at `path` (sparse: it costs nothing on the host), made anew: the
// placeholder of a template's VM, and the unused one of a `--rm` container, whose layer stays in
// the VM's RAM (a tmpfs, which templates have ready), since nothing of it is kept.
Result<void> blank_layer_disk(const std::string& path);

// The /dev/vda of an OCI bundle's VM (vmlet-runtime), whose root comes over virtio-fs instead
// (guest/agent/agent_protocol.h, 'B'): an empty ext4 for its template's agent to mount, made once
// in `directory` as DIR/oci-bundle.ext4. Its path.
Result<std::string> bundle_image_disk(const std::string& directory);

}
