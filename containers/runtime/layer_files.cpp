#include "containers/runtime/layer_files.h"

#include "vmm/base/file.h"
#include "containers/runtime/rootfs_path.h"

#include <fcntl.h>
#include <sys/stat.h>

namespace vmlet {

Result<std::optional<std::string>> read_file_in_layers(const std::vector<std::string>& lower_dirs, std::string_view path, size_t limit)
{
    for (const auto& layer : lower_dirs) {
        auto root = TRY(open_file(layer, O_PATH | O_DIRECTORY));
        auto entry = open_in_root(root.get(), path, O_PATH | O_NOFOLLOW);
        if (!entry.ok())
            continue;
        struct stat status { };
        if (::fstat(entry.value().get(), &status) == 0 && S_ISCHR(status.st_mode))
            return std::optional<std::string>(); // a whiteout
        // The topmost layer that has the path decides, as overlayfs does: a FIFO there (which
        // read_file_in_root counts as absent) hides a lower layer's file rather than uncovering it.
        return read_file_in_root(root.get(), path, limit);
    }
    return std::optional<std::string>();
}

Result<ExecUser> resolve_user_in_layers(const std::vector<std::string>& lower_dirs, std::string_view user)
{
    constexpr size_t kMaxEtcFile = 1 << 20;
    auto passwd = TRY(read_file_in_layers(lower_dirs, "/etc/passwd", kMaxEtcFile));
    auto group = TRY(read_file_in_layers(lower_dirs, "/etc/group", kMaxEtcFile));
    return resolve_exec_user(user, passwd ? std::optional<std::string_view>(*passwd) : std::nullopt,
        group ? std::optional<std::string_view>(*group) : std::nullopt);
}

}
