#pragma once

#include "containers/runtime/container_config.h"
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

namespace image {
class Store;
struct ImageRecord;
}

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
    // An OCI bundle's container (vmlet-runtime create), named `name` (its OCI id), to run `spec`
    // (from the bundle's config.json; its root is the bundle's, RootfsSpec::bundle_root), keeping
    // the config's annotations in its record. A VM's template is kept in `vm_store_root`
    // (prepare_bundle_sandbox).
    static Result<Container> create_from_bundle(const std::string& root, const std::string& name, Isolation isolation,
        const std::string& bundle, ContainerSpec spec, std::map<std::string, std::string> annotations, const std::string& vm_store_root);
    // An existing container, by name, id or unambiguous id prefix.
    static Result<Container> open(const std::string& root, std::string_view name_or_id);
    // A stopped (or created) container, prepared to run again as it was created (docker start):
    // same name, process, mounts, network and limits, and its writable layer as it was left.
    static Result<Container> open_to_start(const std::string& root, std::string_view name_or_id);

    Container(Container&& other) noexcept;
    Container& operator=(Container&&) = delete;
    Container(const Container&) = delete;
    ~Container();

    const ContainerRecord& record() const { return m_record; }
    // docker create: the container stays, created, for `start` (create()'s reservation is kept).
    void keep() { m_reserved = false; }
    // What the user should hear about how it will run (create() found no template, say).
    const std::vector<std::string>& notices() const { return m_notices; }

    // Runs a created container in this process until it exits, its output on vmlet's streams and
    // in its log; returns its exit status.
    Result<int> run_attached(const AttachOptions& attach);
    // Runs a created container in this process until it exits, on `stdio` and nothing else (no
    // log): vmlet-runtime's container process, whose exit status is the container's.
    Result<int> run_on(const StdioFds& stdio);
    // Runs a created container under a monitor process of its own (its own session; its output
    // goes to the log only) and returns once it runs or has failed to start.
    Result<DetachedStart> run_detached();

    // docker stop: SIGTERM, then SIGKILL after `grace`.
    Result<void> stop(std::chrono::seconds grace);
    // docker kill.
    Result<void> kill(int signal);
    // docker rm [-f]: a running container only with force, which kills it first.
    Result<void> remove(bool force, bool anonymous_volumes = false);
    // docker exec: another process in the running container; its exit status.
    Result<int> exec(const ExecRequest& request);
    // docker wait: its exit status once it has exited and its monitor will not restart it.
    Result<int> wait();
    // docker logs.
    Result<void> logs(const LogQuery& query, int out, int err) const;
    // docker attach's output: what the container writes from now on, both streams as its log keeps
    // them, until it exits; `meanwhile` runs at every poll (to pass signals on). Its exit status.
    Result<int> follow_to_exit(int out, int err, const std::function<void()>& meanwhile);

private:
    Container(ContainerStore store, ContainerRecord record)
        : m_store(std::move(store))
        , m_record(std::move(record))
    {
    }
    Result<void> wait_until_exited(std::chrono::milliseconds timeout);
    bool restart_due(int status) const;
    Result<int> restart();
    Result<void> mark_stopped_by_user() const;
    // create()'s reservation that no monitor has run yet (its record still Created).
    bool still_a_reservation() const;
    Result<void> attach_mounts(const std::vector<MountSpec>& mounts);
    Result<void> prepare(const image::Store& store, const image::ImageRecord& image);
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
    // Held from prepare() until this object goes (and by its monitor, which inherits it), so that
    // `cp` into a stopped container never mounts its writable layer while it starts
    // (container_copy.h).
    std::optional<UniqueFd> m_start_lock;
};

}
