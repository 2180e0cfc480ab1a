#include "containers/oci/vm_file_binds.h"

#include "vmm/base/file.h"

#include <sys/stat.h>

#include <algorithm>

namespace vmlet::oci {

namespace {

// The guest agent's own limit on each file (guest/agent/agent_protocol.h, 'H' and 'R').
constexpr size_t kMaxEtcFile = 64 * 1024;

}

Result<void> adapt_file_binds_for_vm(ContainerSpec& spec)
{
    std::vector<MountSpec> kept;
    for (auto& mount : spec.mounts) {
        struct stat status {};
        if (mount.kind != MountSpec::Kind::Bind || (::stat(mount.host_path.c_str(), &status) == 0 && S_ISDIR(status.st_mode))) {
            kept.push_back(std::move(mount));
            continue;
        }
        if (mount.target == "/etc/hosts" || mount.target == "/etc/resolv.conf") {
            auto text = TRY_CONTEXT(read_small_file(mount.host_path, kMaxEtcFile), fmt::format("the bind of {}", mount.target));
            (mount.target == "/etc/hosts" ? spec.etc_hosts : spec.etc_resolv_conf) = std::move(text);
        } else if (mount.target != "/etc/hostname" && mount.target != "/run/.containerenv") {
            return make_error("bind mount of the file {} on {}: a VM container is given directories only", mount.host_path, mount.target);
        }
    }
    spec.mounts = std::move(kept);
    // The monitor's --share takes HOST_DIR:TAG,OPTIONS (vm/volume_exports.h): a ',' in a path
    // would be read as an option.
    for (const auto& mount : spec.mounts)
        if (mount.host_path.find(',') != std::string::npos)
            return make_error("bind mount source {}: a VM container's directories cannot have ',' in their path", mount.host_path);
    if (spec.rootfs.bundle_root.find(',') != std::string::npos)
        return make_error("root.path {}: a VM container's root cannot have ',' in its path", spec.rootfs.bundle_root);
    return {};
}

}
