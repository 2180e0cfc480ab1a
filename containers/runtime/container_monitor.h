#pragma once

#include "vmm/base/result.h"
#include "containers/runtime/container_spec.h"
#include "containers/runtime/container_store.h"
#include "containers/runtime/port_mapping.h"
#include "containers/runtime/sandbox.h"

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace vmlet {

using SandboxStarter = std::function<Result<std::unique_ptr<Sandbox>>(const std::string& id, const ContainerSpec& spec, const StdioFds& stdio)>;

struct MonitorOptions {
    std::vector<PortMapping> ports;
    // Called once the container runs, or failed to start (its 125/126/127): how a detached
    // `run -d` learns whether to print the id or an error.
    std::function<void(std::optional<int> start_failure)> started {};
    // Called when vmlet's terminal changes size (SIGWINCH), for a container on a terminal.
    std::function<void(Sandbox&)> window_changed {};
};

// Runs one container from start to exit and keeps its record true: Running with this process as
// its monitor, then Exited with the status, after the sandbox has released everything it held on
// the host; with auto_remove (--rm) the record and writable layer go too. While it runs, signals
// sent to this process reach the container: SIGINT, SIGTERM and SIGHUP as themselves (docker run's
// --sig-proxy), and SIGUSR1 carrying a signal number (sigqueue(3)) as that signal, which is how
// `vmlet stop` and `vmlet kill` reach a container another vmlet process runs.
// Returns the container's exit status.
Result<int> monitor_container(const ContainerStore& store, ContainerRecord record, const ContainerSpec& spec, const StdioFds& stdio,
    const SandboxStarter& start, const MonitorOptions& options);

// Asks the monitor of `record` to deliver `signal` to the container.
Result<void> signal_container(const ContainerRecord& record, int signal);

}
