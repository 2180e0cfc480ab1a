#include "containers/runtime/vm/volume_exports.h"

#include "guest/agent/agent_protocol.h"

#include <fmt/format.h>

namespace vmlet {

std::vector<VolumeExport> volume_exports(const std::vector<MountSpec>& mounts)
{
    std::vector<VolumeExport> exports;
    for (const auto& mount : mounts)
        if (mount.kind != MountSpec::Kind::Tmpfs)
            exports.push_back({ .name = std::to_string(exports.size()), .mount = &mount });
    return exports;
}

std::vector<std::string> volume_share_flags(const std::vector<MountSpec>& mounts)
{
    auto exports = volume_exports(mounts);
    if (exports.empty())
        return { "--share", fmt::format(":{}", VMLET_AGENT_VOLUMES_TAG) };
    std::vector<std::string> flags;
    for (const auto& share : exports)
        flags.insert(flags.end(), { "--share", fmt::format("{}:{},name={}{}", share.mount->host_path, VMLET_AGENT_VOLUMES_TAG, share.name, share.mount->read_only ? ",ro" : "") });
    return flags;
}

}
