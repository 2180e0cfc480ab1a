#pragma once

#include "containers/runtime/container_spec.h"
#include "containers/runtime/isolation.h"
#include "containers/runtime/network/name_files.h"
#include "containers/runtime/network/network_store.h"
#include "containers/runtime/port_mapping.h"
#include "containers/runtime/run_spec.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vmlet {

// docker run --restart: what the container's monitor does when it exits (Docker's restart
// policies: no, on-failure[:max-retries], always, unless-stopped). A container stopped with
// `vmlet stop` or `kill` is not restarted.
struct RestartPolicy {
    enum class Kind { No, OnFailure, Always, UnlessStopped };
    Kind kind { Kind::No };
    unsigned max_retries { 0 }; // on-failure only; 0: no limit
};

// docker run's network options.
struct NetworkOptions {
    std::string network { NetworkStore::kDefaultNetwork }; // --network NAME, or "none", or "host"
    std::optional<uint32_t> ip;                 // --ip
    std::vector<std::string> aliases;           // --network-alias
    std::vector<std::string> dns;               // --dns
    std::vector<HostEntry> extra_hosts;         // --add-host NAME:IP
};

// What `vmlet run` (docker create) decides about a container before it exists.
struct ContainerConfig {
    std::string image;              // a name or id of an image in the store
    std::string name;               // empty: one is made up
    Isolation isolation { Isolation::Vm };
    RunOptions process;             // what runs, over the image's config
    ResourceLimits limits;
    SecurityOptions security;       // --privileged, --cap-add, --cap-drop, --security-opt, --read-only
    RotationLimits log;             // --log-opt max-size=SIZE, max-file=N
    std::vector<PortMapping> ports; // -p
    NetworkOptions network;
    // -v, --mount, --tmpfs: a bind's source as given, a volume's name (empty: a new anonymous one).
    std::vector<MountSpec> mounts;
    RestartPolicy restart;          // --restart
    bool auto_remove { false };     // --rm
    bool use_template { true };     // vm isolation: restore the image's template (--no-template: boot)
};

}
