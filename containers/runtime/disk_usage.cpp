#include "containers/runtime/disk_usage.h"

#include <sys/stat.h>

#include <filesystem>

namespace vmlet {

namespace fs = std::filesystem;

uint64_t allocated_bytes_under(const std::string& path)
{
    auto allocated = [](const fs::path& file) -> uint64_t {
        struct stat status {};
        return ::lstat(file.c_str(), &status) == 0 ? static_cast<uint64_t>(status.st_blocks) * 512 : 0;
    };
    uint64_t total = allocated(path);
    std::error_code error;
    for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, error);
         !error && it != fs::recursive_directory_iterator(); it.increment(error))
        total += allocated(it->path());
    return total;
}

}
