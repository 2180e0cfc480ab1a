#include "containers/runtime/disk_usage.h"

#include <sys/stat.h>

#include <filesystem>

namespace vmlet {

namespace fs = std::filesystem;

uint64_t allocated_bytes_under(const std::string& path)
{
    struct stat top {};
    if (::lstat(path.c_str(), &top) < 0)
        return 0;
    uint64_t total = static_cast<uint64_t>(top.st_blocks) * 512;
    std::error_code error;
    for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, error);
         !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
        struct stat status {};
        if (::lstat(it->path().c_str(), &status) < 0)
            continue;
        // What is mounted below (a running process container's root overlay) is not this tree's.
        if (status.st_dev != top.st_dev) {
            it.disable_recursion_pending();
            continue;
        }
        total += static_cast<uint64_t>(status.st_blocks) * 512;
    }
    return total;
}

}
