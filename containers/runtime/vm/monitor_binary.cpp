#include "containers/runtime/vm/monitor_binary.h"

#include <cstdlib>
#include <filesystem>

namespace vmlet {

std::string monitor_binary()
{
    if (const char* chosen = std::getenv("VMLET_VMM"))
        return chosen;
    std::error_code error;
    auto self = std::filesystem::read_symlink("/proc/self/exe", error);
    if (error)
        return "vmlet-vmm";
    return (self.parent_path() / "vmlet-vmm").string();
}

}
