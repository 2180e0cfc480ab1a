#include "containers/runtime/vm/agent_session.h"

#include "guest/agent/agent_protocol.h"
#include "vmm/base/fd_copy.h"
#include "containers/runtime/vm/vsock_ports.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace vmlet {

namespace {

// How long the agent may take to connect a stream once it has the spec, and how long the output
// of a command that has exited may keep coming.
constexpr auto kStreamTimeout = std::chrono::seconds(10);
constexpr auto kDrainTimeout = std::chrono::seconds(5);
// How long the agent may take to build the container's root and start the command ('S' or 'F'),
// and to send the rest of a message it has begun.
constexpr auto kStartTimeout = std::chrono::seconds(60);
constexpr auto kMessageTimeout = std::chrono::seconds(5);

Result<UniqueFd> accept_stream(int listener, const char* what)
{
    pollfd ready { listener, POLLIN, 0 };
    if (::poll(&ready, 1, std::chrono::milliseconds(kStreamTimeout).count()) <= 0)
        return make_error("the guest agent did not open its {} stream", what);
    UniqueFd fd(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
    if (!fd.valid())
        return errno_error(fmt::format("accepting the agent's {} stream", what));
    return fd;
}

}

AgentSession::AgentSession(UniqueFd control)
    : m_control(std::move(control))
    , m_stop(::eventfd(0, EFD_CLOEXEC))
{
}

Result<std::unique_ptr<AgentSession>> AgentSession::start(UniqueFd control, std::string_view spec, AgentStreamListeners listeners,
    const StdioFds& stdio)
{
    std::unique_ptr<AgentSession> session(new AgentSession(std::move(control)));
    TRY(send_bytes(session->m_control.get(), spec));
    TRY(session->connect_streams(std::move(listeners), stdio));

    char report[2] = {};
    if (!TRY(receive_exactly(session->m_control.get(), report, 1, kStartTimeout)))
        return make_error("the guest agent closed its connection before the command started");
    if (report[0] == VMLET_AGENT_MSG_FAILED) {
        if (!TRY(receive_exactly(session->m_control.get(), report + 1, 1, kMessageTimeout)))
            return make_error("the guest agent closed its connection");
        session->m_start_failure = static_cast<uint8_t>(report[1]);
        session->drain_and_release();
        session->m_exit = AgentExit { session->m_start_failure };
    } else if (report[0] != VMLET_AGENT_MSG_STARTED) {
        return make_error("the guest agent sent '{}' instead of its start report", report[0]);
    }
    return session;
}

Result<void> AgentSession::connect_streams(AgentStreamListeners listeners, const StdioFds& stdio)
{
    auto guest_out = TRY(accept_stream(listeners.out.get(), "stdout"));
    auto guest_err = TRY(accept_stream(listeners.err.get(), "stderr"));
    auto copy_output = [&](UniqueFd from, int to_borrowed) {
        UniqueFd to(::fcntl(to_borrowed, F_DUPFD_CLOEXEC, 3));
        m_copiers.emplace_back([this, from = std::move(from), to = std::move(to), stop = m_stop.get()] {
            copy_until_end(from.get(), to.get(), stop);
            m_outputs_done++;
        });
    };
    UniqueFd null(::open("/dev/null", O_WRONLY | O_CLOEXEC));
    copy_output(std::move(guest_out), stdio.out >= 0 ? stdio.out : null.get());
    copy_output(std::move(guest_err), stdio.err >= 0 ? stdio.err : null.get());
    if (listeners.in.valid()) {
        m_stdin = TRY(accept_stream(listeners.in.get(), "stdin"));
        UniqueFd from(::fcntl(stdio.in, F_DUPFD_CLOEXEC, 3));
        m_copiers.emplace_back([from = std::move(from), to = m_stdin.get(), stop = m_stop.get()] {
            // The end of vmlet's input is the end of the command's: a half-close.
            if (copy_until_end(from.get(), to, stop))
                ::shutdown(to, SHUT_WR);
        });
    }
    return {};
}

// The command has ended: take the rest of its output and let the agent go ('A').
void AgentSession::drain_and_release()
{
    // The output streams end when the command, and anything it left running, has closed them;
    // a daemon that keeps them open does not hold the end up for long.
    auto deadline = std::chrono::steady_clock::now() + kDrainTimeout;
    while (m_outputs_done < 2 && std::chrono::steady_clock::now() < deadline)
        ::usleep(5000);
    const char ack = VMLET_AGENT_MSG_ACK;
    (void)send_bytes(m_control.get(), std::string_view(&ack, 1));
    stop_streams();
}

void AgentSession::stop_streams()
{
    uint64_t one = 1;
    if (m_stop.valid())
        (void)::write(m_stop.get(), &one, sizeof one);
    // A stdin copier may be stuck writing to a guest that stopped reading: the stream goes.
    if (m_stdin.valid())
        ::shutdown(m_stdin.get(), SHUT_RDWR);
    for (auto& copier : m_copiers) {
        if (copier.joinable())
            copier.join();
    }
    m_copiers.clear();
}

AgentSession::~AgentSession()
{
    stop_streams();
}

Result<void> AgentSession::kill(int signal)
{
    if (m_exit)
        return {};
    char message[2] = { VMLET_AGENT_MSG_KILL, static_cast<char>(signal) };
    return send_bytes(m_control.get(), std::string_view(message, 2));
}

Result<void> AgentSession::resize_terminal(TerminalSize size)
{
    if (m_exit)
        return {};
    char message[5] = { VMLET_AGENT_MSG_WINDOW, static_cast<char>(size.rows & 0xff), static_cast<char>(size.rows >> 8), static_cast<char>(size.cols & 0xff),
        static_cast<char>(size.cols >> 8) };
    return send_bytes(m_control.get(), std::string_view(message, sizeof message));
}

Result<std::optional<AgentExit>> AgentSession::wait_for(std::chrono::milliseconds timeout)
{
    if (m_exit)
        return m_exit;
    pollfd ready { m_control.get(), POLLIN, 0 };
    int count = ::poll(&ready, 1, static_cast<int>(timeout.count()));
    if (count < 0 && errno != EINTR)
        return errno_error("waiting for the guest agent");
    if (count <= 0)
        return std::optional<AgentExit>();
    char exited[2] = {};
    if (TRY(receive_exactly(m_control.get(), exited, 2, kMessageTimeout)) && exited[0] == VMLET_AGENT_MSG_EXITED) {
        drain_and_release();
        m_exit = AgentExit { static_cast<uint8_t>(exited[1]) };
    } else {
        // The connection closed, or the agent broke the protocol: either way it reports no more.
        stop_streams();
        m_exit = AgentExit { std::nullopt };
    }
    return m_exit;
}

}
