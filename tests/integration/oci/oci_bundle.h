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
    // A bind mount of `source` on `destination` with `options` (runtime spec config.md "Mounts"),
    // after those the config has; save() writes it.
    void add_bind(const std::string& source, const std::string& destination, std::vector<std::string> options);
    // Writes config.json as config() holds it now.
    void save() const;
    // The rootfs as a tar, for `podman import`.
    std::string rootfs_tar() const;

private:
    TemporaryDirectory m_directory;
    nlohmann::json m_config;
};

// For the config's mount options (podman run -v SRC:DST:noexec,nosuid gives them): puts an
// executable `run`, which prints "ran", in `directory` and binds that on /noexec with noexec and
// nosuid and on /exec with neither. kMountOptionsProbe runs both and prints the status of the
// refused one and each bind's options as the container's /proc/mounts has them;
// expect_mount_options_held checks what it printed.
void bind_runnable_twice(OciBundle& bundle, const std::string& directory);
inline constexpr const char* kMountOptionsProbe =
    "/noexec/run 2>/dev/null || echo refused=$?; /exec/run; awk '$2 == \"/noexec\" || $2 == \"/exec\" { print $2, $4 }' /proc/mounts";
void expect_mount_options_held(const std::string& output);

}
