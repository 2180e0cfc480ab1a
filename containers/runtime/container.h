#pragma once

#include "containers/runtime/container_log.h"
#include "containers/runtime/container_monitor.h"
#include "containers/runtime/container_spec.h"
#include "containers/runtime/container_store.h"
#include "containers/runtime/exec_request.h"
#include "containers/runtime/isolation.h"
#include "containers/runtime/network/network_store.h"
#include "containers/runtime/port_mapping.h"
#include "containers/runtime/run_spec.h"
#include "vmm/base/result.h"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vmlet {

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
    bool auto_remove { false };     // --rm
    bool use_template { true };     // vm isolation: restore the image's template (--no-template: boot)
};

// How a foreground container meets vmlet's own terminal and streams.
struct AttachOptions {
    bool interactive { false }; // -i: vmlet's stdin is the container's
    // -t: the container's terminal starts at this size, and takes the new one when vmlet's
    // changes (SIGWINCH).
    std::function<TerminalSize()> terminal_size {};
};

// A `run -d` container as its monitor reports it: running, or it never ran (its 125/126/127; the
// reason is on its log's stderr).
struct DetachedStart {
    std::optional<int> start_failure;
};

// One container's whole life, for the CLI, the lab and the OCI runtime alike (DESIGN.md
// "Containers"): it owns the container's record from creation to removal. A container created
// here and never started (an error before its monitor took over) is removed with its record,
// directory and name when this object goes: a reservation, committed once a monitor runs it.
class Container {
public:
    // Resolves the image and the process (Docker's rules, run_spec.h) and creates the record, under
    // the image store's shared lock, so that `rmi` sees the container and keeps its image. Prepares
    // the sandbox for the isolation (sandbox_factory.h). The image must be in the store.
    static Result<Container> create(const std::string& root, const ContainerConfig& config);
    // An existing container, by name, id or unambiguous id prefix.
    static Result<Container> open(const std::string& root, std::string_view name_or_id);

    Container(Container&& other) noexcept;
    Container& operator=(Container&&) = delete;
    Container(const Container&) = delete;
    ~Container();

    const ContainerRecord& record() const { return m_record; }
    // What the user should hear about how it will run (create() found no template, say).
    const std::vector<std::string>& notices() const { return m_notices; }

    // Runs a created container in this process until it exits, its output on vmlet's streams and
    // in its log; returns its exit status.
    Result<int> run_attached(const AttachOptions& attach);
    // Runs a created container under a monitor process of its own (its own session; its output
    // goes to the log only) and returns once it runs or has failed to start.
    Result<DetachedStart> run_detached();

    // docker stop: SIGTERM, then SIGKILL after `grace`.
    Result<void> stop(std::chrono::seconds grace);
    // docker kill.
    Result<void> kill(int signal);
    // docker rm [-f]: a running container only with force, which kills it first.
    Result<void> remove(bool force);
    // docker exec: another process in the running container; its exit status.
    Result<int> exec(const ExecRequest& request);
    // docker logs.
    Result<void> logs(const LogQuery& query, int out, int err) const;

private:
    Container(ContainerStore store, ContainerRecord record)
        : m_store(std::move(store))
        , m_record(std::move(record))
    {
    }
    Result<void> wait_until_exited(std::chrono::milliseconds timeout);
    Result<void> attach_mounts(const std::vector<MountSpec>& mounts, ContainerSpec& spec);
    Result<void> attach_network(const NetworkOptions& options, ContainerSpec& spec);
    std::string directory() const { return m_store.directory(m_record.id); }

    ContainerStore m_store;
    ContainerRecord m_record;
    std::string m_root;
    // Set by create(): what starts it.
    ContainerSpec m_spec;
    std::vector<PortMapping> m_ports;
    SandboxStarter m_start;
    std::vector<std::string> m_notices;
    // create()'s reservation: the record goes with this object unless a monitor took it over.
    bool m_reserved { false };
};

}
