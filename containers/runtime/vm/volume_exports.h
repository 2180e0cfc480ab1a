#pragma once

#include "containers/runtime/mount_spec.h"

#include <string>
#include <vector>

namespace vmlet {

// How a VM container's binds and volumes reach it: each is an export of the VM's one virtio-fs
// device (tag VMLET_AGENT_VOLUMES_TAG), named by its place among them ("0", "1", ...), which the
// monitor is given (--share HOST_DIR:TAG,name=NAME[,ro]) and the agent binds on its target ('M').
struct VolumeExport {
    std::string name;
    const MountSpec* mount;
};
std::vector<VolumeExport> volume_exports(const std::vector<MountSpec>& mounts);

// The monitor's --share flags for them; with none, the device alone (a template's, or a container's
// without volumes: every container VM has it, so that a template's restore can take exports).
std::vector<std::string> volume_share_flags(const std::vector<MountSpec>& mounts);

}
