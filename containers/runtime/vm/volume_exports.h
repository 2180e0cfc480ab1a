#pragma once

#include "containers/runtime/container_spec.h"

#include <string>
#include <vector>

namespace vmlet {

// How a VM container's binds and volumes reach it: each is an export of the VM's one virtio-fs
// device (tag VMLET_AGENT_VOLUMES_TAG), named by its place among them ("0", "1", ...), which the
// monitor is given (--share HOST_DIR:TAG,name=NAME[,ro]) and the agent binds on its target ('M').
struct VolumeExport {
    std::string name;
    std::string host_path;
    bool read_only { false };
};
// The spec's binds and volumes in order, then an OCI bundle's root (RootfsSpec::bundle_root, the
// agent's 'B'), read-only when the bundle asks for that (root.readonly).
std::vector<VolumeExport> volume_exports(const ContainerSpec& spec);

// The monitor's --share flags for them; with none, the device alone (a template's, or a container's
// without volumes: every container VM has it, so that a template's restore can take exports).
std::vector<std::string> volume_share_flags(const ContainerSpec& spec);

}
