#include "devices/fs/export.h"

#include "devices/fs/fuse_request.h"

#include <fcntl.h>

#include <algorithm>

namespace vmlet::fs {

Result<std::vector<Export>> open_exports(const std::vector<ExportConfig>& configs)
{
    bool unnamed = std::any_of(configs.begin(), configs.end(), [](const auto& config) { return config.name.empty(); });
    if (unnamed && configs.size() > 1)
        return make_error("a share with several directories needs a name=NAME for each");
    std::vector<Export> exports;
    for (const auto& config : configs) {
        if (!config.name.empty() && !valid_name(config.name))
            return make_error("'{}' cannot name a shared directory (one path component, not . or ..)", config.name);
        for (const auto& other : exports) {
            if (other.name == config.name)
                return make_error("two shared directories are named '{}'", config.name);
        }
        UniqueFd root(::open(config.host_directory.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!root.valid())
            return errno_error(fmt::format("shared directory {}", config.host_directory));
        exports.push_back({ std::move(root), config.name, config.read_only });
    }
    return exports;
}

}
