#include "containers/runtime/vm/vm_exec.h"

#include "guest/agent/agent_protocol.h"
#include "containers/runtime/vm/agent_session.h"
#include "containers/runtime/vm/agent_spec.h"
#include "containers/runtime/forwarded_signals.h"
#include "containers/runtime/vm/vsock_ports.h"
#include "vmm/base/hybrid_vsock.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include <random>

namespace vmlet {

namespace {

// The host ports an exec's streams arrive on: stdout at `base`, stderr and stdin after it
// (agent_protocol.h, 'o'). Each exec takes a random free base above the agent's fixed ports, so
// execs into one container run side by side; the socket files go when the exec ends.
class ExecStreamPorts {
public:
    static Result<ExecStreamPorts> claim(const std::string& socket, bool with_stdin)
    {
        constexpr int kAttempts = 16;
        std::random_device random;
        std::uniform_int_distribution<uint32_t> bases(1u << 16, 1u << 30);
        Result<ExecStreamPorts> claimed = make_error("no free vsock ports for the exec's streams");
        for (int attempt = 0; attempt < kAttempts; ++attempt) {
            claimed = try_claim(socket, bases(random), with_stdin);
            // Another exec holds that base: try another. Anything else will not get better.
            if (claimed.ok() || claimed.error().code() != EADDRINUSE)
                break;
        }
        return claimed;
    }
    ExecStreamPorts(ExecStreamPorts&&) = default;
    ExecStreamPorts& operator=(ExecStreamPorts&&) = default;
    ~ExecStreamPorts()
    {
        for (const auto& path : m_paths)
            ::unlink(path.c_str());
    }

    uint32_t base() const { return m_base; }
    AgentStreamListeners take_listeners() { return std::move(m_listeners); }

private:
    ExecStreamPorts() = default;

    static Result<ExecStreamPorts> try_claim(const std::string& socket, uint32_t base, bool with_stdin)
    {
        ExecStreamPorts ports;
        ports.m_base = base;
        auto listen = [&](uint32_t port) -> Result<UniqueFd> {
            auto listener = TRY(listen_for_guest(socket, port));
            ports.m_paths.push_back(hybrid_vsock::listener_path(socket, port));
            return listener;
        };
        ports.m_listeners.out = TRY(listen(base));
        ports.m_listeners.err = TRY(listen(base + 1));
        if (with_stdin)
            ports.m_listeners.in = TRY(listen(base + 2));
        return ports;
    }

    uint32_t m_base { 0 };
    std::vector<std::string> m_paths;
    AgentStreamListeners m_listeners;
};

}

Result<int> exec_in_vm_container(const ContainerRecord& record, const ExecRequest& request, const ExecUser& user)
{
    if (record.state != ContainerState::Running || record.agent_socket.empty() || !monitor_alive(record))
        return make_error("container {} is not running", record.name);
    auto process = TRY(exec_process(record, request, user));
    // Blocked before AgentSession's copier threads start, so that they inherit the mask.
    auto signals = TRY(ForwardedSignals::block());
    auto control = TRY(connect_to_guest(record.agent_socket, VMLET_AGENT_PORT_EXEC));
    auto ports = TRY(ExecStreamPorts::claim(record.agent_socket, request.interactive));
    auto spec = encode_agent_spec(process, user,
        { .stdin_attached = request.interactive, .loopback = false, .stream_port = ports.base(), .terminal = request.terminal });
    // A terminal's output, all of it, comes on the stdout stream.
    StdioFds stdio { request.interactive ? STDIN_FILENO : -1, STDOUT_FILENO, request.terminal ? STDOUT_FILENO : STDERR_FILENO };
    auto session = TRY(AgentSession::start(std::move(control), spec, ports.take_listeners(), stdio));
    for (;;) {
        auto exit = TRY(session->wait_for(std::chrono::milliseconds(100)));
        if (exit)
            return exit->status.value_or(128 + SIGKILL);
        for (int signal : signals.pending()) {
            if (signal != SIGWINCH)
                (void)session->kill(signal);
            else if (request.terminal)
                (void)session->resize_terminal(terminal_size(STDIN_FILENO));
        }
    }
}

}
