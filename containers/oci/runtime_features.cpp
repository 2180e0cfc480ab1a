// vmlet-runtime features: what this runtime implements, in the shape of the runtime spec's
// features document (features.md), which `runc features` prints too.

#include "containers/oci/runtime_commands.h"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

namespace vmlet::oci {

Result<int> print_features()
{
    nlohmann::json features {
        { "ociVersionMin", "1.0.0" },
        { "ociVersionMax", "1.0.2" },
        { "hooks", nlohmann::json::array() },
        { "mountOptions", { "bind", "rbind", "ro", "rw", "nosuid", "nodev", "noexec", "size", "mode" } },
        { "linux", {
            { "namespaces", { "pid", "mount", "ipc", "uts", "network", "cgroup" } },
            { "cgroup", { { "v1", true }, { "v2", true } } },
            { "seccomp", { { "enabled", true } } },
        } },
        { "annotations", { { "io.vmlet.isolation", "vm (default) or process" } } },
    };
    fmt::print("{}\n", features.dump(2));
    return 0;
}

}
