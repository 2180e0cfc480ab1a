#pragma once

#include "containers/runtime/mount_spec.h"
#include "containers/runtime/network/network_attachment.h"
#include "containers/runtime/rotating_file.h"
#include "containers/runtime/security_options.h"
#include "containers/runtime/terminal_size.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vmlet {

// Resource limits, each absent meaning "no limit" (docker run --memory, --pids-limit, --cpus).
struct ResourceLimits {
    std::optional<uint64_t> memory_bytes;
    std::optional<uint64_t> pids_max;
    std::optional<double> cpus;
};

// The container's filesystem: read-only image layers under one writable layer of its own.
struct RootfsSpec {
    // Unpacked image layers, topmost first (the order of overlayfs's lowerdir= option).
    std::vector<std::string> lower_dirs;
    // Owned by this container: upper/ and work/ (its writable layer), rootfs/ (the mount point) and the
    // hosts, hostname and resolv.conf files bind-mounted over the image's /etc ones. Created if missing.
    std::string state_dir;
    // --rm: the writable layer goes with this one run, so a VM container keeps it in the VM's RAM
    // rather than on a disk of its own (vm/layer_disk.h).
    bool ephemeral { false };
    // An OCI bundle's root.path, which its maker (podman, containerd) has prepared: the root is this
    // directory itself rather than an overlay of lower_dirs, and its /etc files are left as the
    // bundle has them (its maker binds its own hosts and resolv.conf as mounts).
    std::string bundle_root {};
};

// What to run, already resolved from the image config and the command line by the caller.
struct ContainerSpec {
    std::vector<std::string> args;  // argv; args[0] is looked up in the container's PATH unless it has a '/'
    std::vector<std::string> env;   // "KEY=VALUE"; HOME is added from /etc/passwd when absent, as Docker does
    std::string working_dir;        // absolute; created if missing; empty means "/"
    std::string user;               // as docker -u: "name", "uid", "name:group", "uid:gid"; empty means root
    std::string hostname;           // empty means the first 12 characters of the container id
    // -t: the container's stdin, stdout and stderr are a terminal of its own, of this size, which
    // the sandbox relays to StdioFds::in and ::out (stderr is the terminal too); its controlling one.
    std::optional<TerminalSize> terminal;
    ResourceLimits limits;
    SecurityOptions security;
    RootfsSpec rootfs;
    // -v, --mount, --tmpfs: over the root, in this order (a target inside an earlier one is mounted after it).
    std::vector<MountSpec> mounts;
    // Its link to a vmlet network; nullopt: loopback only (--network none).
    std::optional<NetworkAttachment> network;
    // --network host (process isolation): no network namespace of its own.
    bool host_network { false };
    // What its /etc/hosts and /etc/resolv.conf hold (name_files.h), with a network or without.
    std::string etc_hosts;
    std::string etc_resolv_conf;
    RotationLimits log;             // --log-opt max-size, max-file: the container's log, and a VM's console
    // Kernel parameters of the container's own namespaces (an OCI bundle's linux.sysctl):
    // "net.ipv4.ping_group_range" = "0 0", checked by check_sysctl (sysctl_spec.h).
    std::vector<std::pair<std::string, std::string>> sysctls {};
};

}
