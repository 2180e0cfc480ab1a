#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"
#include "containers/runtime/sandbox.h"
#include "containers/runtime/terminal_size.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace vmlet {

// Where the guest agent connects one command's standard streams: listeners on the host ends of
// its vsock ports, "<socket>_<port>" (guest/agent/agent_protocol.h).
struct AgentStreamListeners {
    UniqueFd out, err;
    UniqueFd in; // only when stdin is attached
};

// How a command's session ended.
struct AgentExit {
    std::optional<int> status; // nullopt: the agent closed the connection without an exit report
};

// One command the guest agent runs: the container's own (VmSandbox) or an exec's (vm_exec).
// It sends the spec on the control connection, copies the agent's stream connections to and from
// the caller's descriptors in threads, and follows the protocol's 'S'/'F', 'K', 'X' and 'A'.
class AgentSession {
public:
    // Sends `spec`, accepts the agent's stream connections and reads its start report. When the
    // command never ran ('F'), the session has ended already and start_failure() says the status.
    static Result<std::unique_ptr<AgentSession>> start(UniqueFd control, std::string_view spec, AgentStreamListeners listeners,
        const StdioFds& stdio);
    ~AgentSession();
    AgentSession(const AgentSession&) = delete;
    AgentSession& operator=(const AgentSession&) = delete;

    std::optional<int> start_failure() const { return m_start_failure; }

    // 'K': delivers `signal` to the command; nothing once it has exited.
    Result<void> kill(int signal);
    // 'W': the command's terminal takes this size.
    Result<void> resize_terminal(TerminalSize size);

    // Waits up to `timeout` for the command's end: nullopt while it runs. On 'X' the output still
    // in flight is drained (for a few seconds at most: something the command left behind may hold
    // its streams) before the agent gets its 'A'.
    Result<std::optional<AgentExit>> wait_for(std::chrono::milliseconds timeout);

private:
    explicit AgentSession(UniqueFd control);
    Result<void> connect_streams(AgentStreamListeners listeners, const StdioFds& stdio);
    void drain_and_release();
    void stop_streams();

    UniqueFd m_control;
    UniqueFd m_stdin;                      // the command's stdin connection, written by a copier
    UniqueFd m_stop;                       // an eventfd that ends every copier
    std::atomic<int> m_outputs_done { 0 }; // stdout and stderr copiers that reached end of file
    std::vector<std::thread> m_copiers;
    std::optional<int> m_start_failure;
    std::optional<AgentExit> m_exit;
};

}
