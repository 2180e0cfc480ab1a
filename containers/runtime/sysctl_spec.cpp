#include "containers/runtime/sysctl_spec.h"

#include <algorithm>
#include <array>

namespace vmlet {

namespace {

constexpr std::array kIpcParameters { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax",
    "kernel.shmmni", "kernel.shm_rmid_forced" };

// Lower-case letters, digits, '_' and '-', in dot-separated words: no '/', no "..", nothing empty.
bool well_formed(std::string_view name)
{
    if (name.empty() || name.size() > 256 || name.front() == '.' || name.back() == '.' || name.find("..") != std::string_view::npos)
        return false;
    return std::ranges::all_of(name, [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'; });
}

}

Result<void> check_sysctl(std::string_view name, bool own_network)
{
    if (!well_formed(name))
        return make_error("sysctl {}: not a kernel parameter's name", name);
    if (name.starts_with("fs.mqueue.") || std::ranges::find(kIpcParameters, name) != kIpcParameters.end())
        return {};
    if (name.starts_with("net."))
        return own_network ? Result<void>() : make_error("sysctl {}: the container shares the host's network namespace", name);
    return make_error("sysctl {}: not in a namespace of the container's own", name);
}

Result<std::string> sysctl_file(const std::string& proc, std::string_view name)
{
    if (!well_formed(name))
        return make_error("sysctl {}: not a kernel parameter's name", name);
    std::string path = proc + "/sys/";
    for (char c : name)
        path += c == '.' ? '/' : c;
    return path;
}

}
