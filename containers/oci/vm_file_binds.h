#pragma once

#include "containers/runtime/container_spec.h"
#include "vmm/base/result.h"

namespace vmlet::oci {

// A VM container's binds come over virtio-fs, which shares directories, not files: the files
// podman binds into every container are given another way. /etc/hosts and /etc/resolv.conf go by
// content (the guest agent writes them into the root before the command runs); /etc/hostname is
// the config's hostname, which the agent sets; /run/.containerenv, podman's marker that this is a
// container, is left out. Any other file bind is refused in one line, as is a shared directory
// (a bind's, the root) whose path has a ',', which the monitor's --share would misread.
Result<void> adapt_file_binds_for_vm(ContainerSpec& spec);

}
