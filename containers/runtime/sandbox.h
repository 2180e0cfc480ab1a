#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"
#include "containers/runtime/terminal_size.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace vmlet {

// Where the container's standard streams go. The descriptors are borrowed: the sandbox dups them into
// the container and never closes them. -1 means /dev/null.
struct StdioFds {
    int in { -1 };
    int out { -1 };
    int err { -1 };
    // With a terminal: a connected unix socket (an OCI runtime's --console-socket) that the
    // terminal's master side is sent to (SCM_RIGHTS), for its other end to relay, rather than
    // relayed by the sandbox to `in` and `out`.
    int console_socket { -1 };
    // An OCI runtime's create and start: once everything but the command is ready (the terminal
    // sent, the mounts made), the sandbox writes one byte to `ready` and waits for one on
    // `start_gate` before it runs the command; EOF there instead ends it unstarted (125).
    int start_gate { -1 };
    int ready { -1 };
};

// A running container, whatever isolates it: ProcessSandbox (namespaces and cgroups on this kernel) or a
// microVM. The CLI and the lab talk only to this interface (DESIGN.md, "Containers").
//
// Exit statuses follow Docker: the first process's exit code, 128 + signal when a signal killed it, and
// when the command never ran: 127 (not found), 126 (not executable), 125 (the sandbox failed to set up).
class Sandbox {
public:
    virtual ~Sandbox() = default;

    virtual const std::string& id() const = 0;

    // Sends `signal` to the container's first process; nothing happens once it has exited. As for any
    // pid-namespace init, a signal it has no handler for is ignored, except SIGKILL.
    virtual Result<void> kill(int signal) = 0;

    // Blocks until the first process exits and returns its exit status (see above).
    virtual Result<int> wait() = 0;

    // As wait(), but gives up after `timeout` and returns nullopt while the container still runs.
    virtual Result<std::optional<int>> wait_for(std::chrono::milliseconds timeout) = 0;

    // When the command never ran (not found, not executable, setup failed), the exit status that
    // says so (127, 126, 125); nullopt once it was started.
    virtual std::optional<int> start_failure() const = 0;

    // The container's terminal (ContainerSpec::terminal) takes this size; nothing without one.
    virtual Result<void> resize_terminal(TerminalSize size) = 0;

    // A new stream connection to TCP `port` on the container's own loopback, for `-p` forwarding:
    // made from inside its network namespace, or through the guest agent.
    virtual Result<UniqueFd> connect_port(uint16_t port) = 0;

    // The host process that stands for the container (its first process, or the VM's vmlet),
    // and the cgroup directories that limit it: what `vmlet exec` joins in process isolation.
    virtual pid_t host_pid() const = 0;
    virtual std::vector<std::string> cgroup_paths() const = 0;
    // The socket of the VM's vsock device, through which `vmlet exec` reaches the guest agent
    // (guest/agent/agent_protocol.h, "Exec"); empty when no agent runs the container.
    virtual std::string agent_socket() const = 0;

    // Kills whatever still runs and releases what the container holds on the host (mounts, cgroups).
    // Idempotent; the destructor calls it and drops its error.
    virtual Result<void> destroy() = 0;
};

}
