#include "containers/runtime/vm/volume_exports.h"

#include "guest/agent/agent_protocol.h"

#include <fmt/format.h>

namespace vmlet {

std::vector<VolumeExport> volume_exports(const ContainerSpec& spec)
{
    std::vector<VolumeExport> exports;
    for (const auto& mount : spec.mounts)
        if (mount.kind != MountSpec::Kind::Tmpfs)
            exports.push_back({ .name = std::to_string(exports.size()), .host_path = mount.host_path, .read_only = mount.read_only });
    if (!spec.rootfs.bundle_root.empty())
        exports.push_back({ .name = std::to_string(exports.size()), .host_path = spec.rootfs.bundle_root, .read_only = spec.security.read_only_rootfs });
    return exports;
}

std::vector<std::string> volume_share_flags(const ContainerSpec& spec)
{
    auto exports = volume_exports(spec);
    if (exports.empty())
        return { "--share", fmt::format(":{}", VMLET_AGENT_VOLUMES_TAG) };
    std::vector<std::string> flags;
    for (const auto& share : exports)
        flags.insert(flags.end(), { "--share", fmt::format("{}:{},name={}{}", share.host_path, VMLET_AGENT_VOLUMES_TAG, share.name, share.read_only ? ",ro" : "") });
    return flags;
}

}
