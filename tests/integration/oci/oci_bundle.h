#pragma once

#include "tests/support/temporary_directory.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace vmlet::test {

// An OCI bundle for vmlet-runtime's tests (runtime spec, bundle.md): rootfs/ with the host's
// busybox-static and its applets, /etc/passwd and /etc/group, and a config.json as `runc spec`
// writes one (own pid, mount, ipc, uts and network namespaces, no terminal), running `args` in
// the isolation the io.vmlet.isolation annotation names.
class OciBundle {
public:
    OciBundle(std::vector<std::string> args, const std::string& isolation);

    const std::string& path() const { return m_directory.path(); }
    std::string rootfs() const { return m_directory.file("rootfs"); }
    nlohmann::json& config() { return m_config; }
    // Writes config.json as config() holds it now.
    void save() const;
    // The rootfs as a tar, for `podman import`.
    std::string rootfs_tar() const;

private:
    TemporaryDirectory m_directory;
    nlohmann::json m_config;
};

}
