#pragma once

#include "containers/runtime/container_spec.h"
#include "containers/runtime/isolation.h"
#include "vmm/base/result.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vmlet::oci {

// The annotation that chooses a container's isolation (vm, the default, or process).
inline constexpr std::string_view kIsolationAnnotation = "io.vmlet.isolation";

// One of process.rlimits (OCI runtime spec, config.md "POSIX process"): setrlimit(2) for the
// container's first process, which its children inherit.
struct ProcessRlimit {
    int resource { 0 }; // RLIMIT_*
    uint64_t soft { 0 };
    uint64_t hard { 0 };
};

// config.json's "process", as create's workload and as exec's --process file: what runs, as whom.
struct BundleProcess {
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::string cwd;                        // absolute
    std::string user;                       // "UID:GID" (the runtime spec names numeric ids)
    std::optional<TerminalSize> terminal;   // process.terminal, at consoleSize when given
    SecurityOptions security;               // capabilities and noNewPrivileges (seccomp comes from linux.seccomp)
    std::vector<ProcessRlimit> rlimits;
};

// A bundle's config.json (OCI runtime spec v1, config.md and config-linux.md), in the terms of
// vmlet's own ContainerSpec. Every field that would change what isolates the container is either
// honoured or refused in one line naming it; fields that only describe (annotations other than
// ours, ociVersion's patch level) are passed over.
struct BundleConfig {
    ContainerSpec spec;
    std::vector<ProcessRlimit> rlimits;
    Isolation isolation { Isolation::Vm };
    // linux.namespaces' network entry: with a path, the namespace to join (podman's and CNI's,
    // with its interface in it already); without one, a namespace of its own with loopback only.
    // No entry at all: the host's network, as runc does.
    std::string network_namespace;
    bool new_network_namespace { false };
    std::string cgroups_path; // linux.cgroupsPath, as given
    std::map<std::string, std::string> annotations; // all of them, io.vmlet.isolation included
};

// `bundle` is the bundle's directory (absolute): a relative root.path or bind source is under it.
// The text is untrusted (it names host paths the runtime will bind): tests/fuzz has a target.
Result<BundleConfig> parse_bundle_config(std::string_view json, const std::string& bundle);

// An exec's --process file: the same object as config.json's "process".
Result<BundleProcess> parse_bundle_process(std::string_view json);

}
