// Fuzzes the host side of the guest agent's protocol (containers/runtime/vm/agent_session.cpp,
// guest/agent/agent_protocol.h): what a guest, which may run anything, sends on the control
// connection after the spec. The session runs as it does for a VM container, over unix sockets
// that stand in for the VM's vsock ports (hybrid vsock); the harness plays the agent, whose
// stream connections are made and closed before the session starts, so no read ever waits.
// Input: one byte of host actions (bit 0: stdin is attached; bit 1: the host sends a signal and
// bit 2 a terminal size before it waits), then the bytes the agent sends on control, after which
// it closes its end for writing.
// Checks against the protocol: the start succeeds exactly on 'S', or on 'F' and a status (which is
// then the start failure and the exit status); after 'S' the exit status is the byte after an 'X'
// that comes next, and no status otherwise; a finished session keeps its exit; what the host sent
// the agent is the spec, the 'K' and 'W' asked for while the command ran, and 'A' exactly when
// the agent reported a status.

#include "containers/runtime/vm/agent_session.h"
#include "containers/runtime/vm/vsock_ports.h"
#include "guest/agent/agent_protocol.h"
#include "vmm/base/hybrid_vsock.h"
#include "vmm/base/unix_socket.h"
#include "tests/fuzz/fuzz_check.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

using namespace vmlet;
using fuzz_support::check;

namespace {

constexpr std::string_view kSpec = "SPEC";
constexpr uint32_t kStreamPort = VMLET_AGENT_PORT_STDOUT;
// The host reads at most three control bytes; more would only fill the socket's buffer.
constexpr size_t kMaxControlBytes = 64;

// The hybrid vsock socket path the listeners hang off, in a directory of this process's own that
// an exit handler removes (the path is never destroyed, so the handler can still read it).
const std::string& socket_path()
{
    static const std::string* path = [] {
        std::string directory = "/dev/shm/vmlet-fuzz-agent-XXXXXX";
        check(::mkdtemp(directory.data()) != nullptr, "mkdtemp");
        std::atexit([] { std::filesystem::remove_all(std::filesystem::path(socket_path()).parent_path()); });
        return new std::string(directory + "/v.sock");
    }();
    return *path;
}

// A listener for the agent's stream on `port`, with the agent's connection to it already queued
// and closed: the stream the session accepts reads as ended at once.
UniqueFd stream_listener(uint32_t port)
{
    ::unlink(hybrid_vsock::listener_path(socket_path(), port).c_str());
    auto listener = listen_for_guest(socket_path(), port);
    check(listener.ok(), "listen_for_guest");
    auto address = unix_socket_address(hybrid_vsock::listener_path(socket_path(), port));
    check(address.ok(), "unix_socket_address");
    UniqueFd agent(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    check(::connect(agent.get(), reinterpret_cast<const sockaddr*>(&address.value()), sizeof address.value()) == 0, "connect");
    return listener.release_value();
}

std::string read_all(int fd)
{
    std::string bytes;
    char buffer[256];
    for (ssize_t count; (count = ::read(fd, buffer, sizeof buffer)) > 0;)
        bytes.append(buffer, static_cast<size_t>(count));
    return bytes;
}

}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size == 0 || size - 1 > kMaxControlBytes)
        return 0;
    const bool with_stdin = data[0] & 1, signal = data[0] & 2, resize = data[0] & 4;
    const std::string_view control_bytes(reinterpret_cast<const char*>(data) + 1, size - 1);

    int pair[2];
    check(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0, "socketpair");
    UniqueFd host(pair[0]), agent(pair[1]);
    check(send_bytes(agent.get(), control_bytes).ok(), "writing the agent's bytes");
    ::shutdown(agent.get(), SHUT_WR);

    AgentStreamListeners listeners { .out = stream_listener(kStreamPort), .err = stream_listener(kStreamPort + 1), .in = {} };
    UniqueFd null_input(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (with_stdin)
        listeners.in = stream_listener(kStreamPort + 2);
    StdioFds stdio { .in = with_stdin ? null_input.get() : -1, .out = -1, .err = -1 };

    // The protocol's answer for these bytes.
    auto byte = [&](size_t index) { return index < control_bytes.size() ? std::optional<char>(control_bytes[index]) : std::nullopt; };
    const bool failed = byte(0) == VMLET_AGENT_MSG_FAILED && byte(1);
    const bool started = byte(0) == VMLET_AGENT_MSG_STARTED;
    std::optional<int> status;
    if (failed)
        status = static_cast<uint8_t>(*byte(1));
    else if (started && byte(1) == VMLET_AGENT_MSG_EXITED && byte(2))
        status = static_cast<uint8_t>(*byte(2));
    std::string expected_to_agent(kSpec);

    {
        auto session = AgentSession::start(std::move(host), kSpec, std::move(listeners), stdio);
        check(session.ok() == (failed || started), "a start report accepted or refused against the protocol");
        if (session.ok()) {
            auto& running = *session.value();
            check(running.start_failure() == (failed ? status : std::nullopt), "a start failure that is not the agent's status");
            if (signal) {
                check(running.kill(15).ok(), "sending a signal failed");
                if (started)
                    expected_to_agent += std::string { VMLET_AGENT_MSG_KILL, 15 };
            }
            if (resize) {
                check(running.resize_terminal({ .rows = 24, .cols = 80 }).ok(), "sending a terminal size failed");
                if (started)
                    expected_to_agent += std::string { VMLET_AGENT_MSG_WINDOW, 24, 0, 80, 0 };
            }
            auto exit = running.wait_for(std::chrono::seconds(10));
            check(exit.ok() && exit.value().has_value(), "no exit once the agent's connection closed");
            check(exit.value()->status == status, "an exit status against the protocol");
            auto again = running.wait_for(std::chrono::milliseconds(0));
            check(again.ok() && again.value() && again.value()->status == status, "a finished session forgot its exit");
            check(running.kill(9).ok(), "a signal to a finished session failed");
        }
    }
    if (status)
        expected_to_agent += VMLET_AGENT_MSG_ACK;
    check(read_all(agent.get()) == expected_to_agent, "the host sent the agent something against the protocol");
    return 0;
}
