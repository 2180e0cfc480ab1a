// Fuzzes the OCI bundle parser (containers/oci/bundle_config.cpp), which reads the config.json a
// runtime's caller hands over: podman, containerd, or anyone who can run vmlet-runtime. It names
// host paths the runtime binds and limits it applies.
// Input: the config's text, byte for byte; also parsed as an exec's --process file.
// Checks, for a config the parser accepts: the root and every bind source are absolute and plain
// (no "..", no "//"); every mount target is absolute and outside /proc, /sys and /dev; every
// sysctl is one check_sysctl allows; rlimits' soft values are at most their hard ones; a command
// is there; the capability names are known. A refusal carries a one-line message.

#include "containers/oci/bundle_config.h"
#include "containers/runtime/process/capabilities.h"
#include "containers/runtime/sysctl_spec.h"
#include "tests/fuzz/fuzz_check.h"

#include <cstdint>
#include <string_view>

using namespace vmlet;
using vmlet::fuzz_support::check;

namespace {

bool plain_absolute(const std::string& path)
{
    return !path.empty() && path.front() == '/' && path.find("/../") == std::string::npos && !path.ends_with("/..")
        && path.find("//") == std::string::npos;
}

bool beneath(const std::string& path, std::string_view top)
{
    return path == top || (path.starts_with(top) && path.size() > top.size() && path[top.size()] == '/');
}

void check_refusal(const Error& error)
{
    check(!error.message().empty() && error.message().find('\n') == std::string::npos, "a refusal without one line of message");
}

}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto process = oci::parse_bundle_process(text);
    if (process.ok())
        check(!process.value().args.empty() && process.value().cwd.starts_with('/'), "a process without a command or an absolute cwd");
    else
        check_refusal(process.error());

    auto parsed = oci::parse_bundle_config(text, "/bundle");
    if (!parsed.ok()) {
        check_refusal(parsed.error());
        return 0;
    }
    const auto& config = parsed.value();
    const auto& spec = config.spec;
    check(!spec.args.empty() && !spec.args.front().empty(), "a config without a command accepted");
    check(plain_absolute(spec.rootfs.bundle_root), "a root path that is not plain and absolute");
    for (const auto& mount : spec.mounts) {
        check(plain_absolute(mount.target), "a mount target that is not plain and absolute");
        for (std::string_view reserved : { "/proc", "/sys", "/dev" })
            check(!beneath(mount.target, reserved), "a mount under /proc, /sys or /dev accepted");
        if (mount.kind == MountSpec::Kind::Bind)
            check(plain_absolute(mount.host_path), "a bind source that is not plain and absolute");
    }
    bool own_network = config.new_network_namespace || !config.network_namespace.empty();
    for (const auto& [name, value] : spec.sysctls)
        check(check_sysctl(name, own_network).ok(), "a sysctl outside the container's namespaces accepted");
    for (const auto& limit : config.rlimits)
        check(limit.soft <= limit.hard, "an rlimit with soft above hard accepted");
    for (const auto& name : spec.security.cap_add)
        check(capability_number(name).has_value(), "an unknown capability accepted");
    return 0;
}
