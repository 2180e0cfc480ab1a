// AgentSession against a fake guest agent: the host side of guest/agent/agent_protocol.h, with the
// agent's part played by a thread over the same unix sockets the VM's vsock device would use.
#include "containers/runtime/vm/agent_session.h"
#include "vmm/base/hybrid_vsock.h"
#include "vmm/base/unix_socket.h"

#include "guest/agent/agent_protocol.h"
#include "tests/support/temporary_directory.h"
#include "containers/runtime/vm/vsock_ports.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <thread>

using namespace vmlet;

namespace {

constexpr uint32_t kStreamPort = 70000;

// The agent's connection to the host's listener for `port` ("<socket>_<port>").
int connect_to_host(const std::string& socket, uint32_t port)
{
    auto path = hybrid_vsock::listener_path(socket, port);
    auto address = unix_socket_address(path).value();
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0) << path;
    return fd;
}

// The agent's side of a control message: its tag, then its payload.
void send_message(int control, vmlet_agent_message tag, std::string_view payload = {})
{
    auto message = static_cast<char>(tag) + std::string(payload);
    EXPECT_EQ(::send(control, message.data(), message.size(), 0), static_cast<ssize_t>(message.size()));
}

std::string read_all(int fd)
{
    std::string text;
    char buffer[256];
    ::lseek(fd, 0, SEEK_SET);
    for (ssize_t count; (count = ::read(fd, buffer, sizeof buffer)) > 0;)
        text.append(buffer, static_cast<size_t>(count));
    return text;
}

class AgentSessionTest : public ::testing::Test {
protected:
    // Runs the session with `agent` playing the guest's part on its end of control.
    Result<std::unique_ptr<AgentSession>> start(std::function<void(int control)> agent)
    {
        int pair[2];
        EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
        m_agent = std::thread([agent = std::move(agent), control = pair[1]] {
            agent(control);
            ::close(control);
        });
        AgentStreamListeners listeners;
        listeners.out = listen_for_guest(m_socket, kStreamPort).release_value();
        listeners.err = listen_for_guest(m_socket, kStreamPort + 1).release_value();
        return AgentSession::start(UniqueFd(pair[0]), "SPEC", std::move(listeners), { .in = -1, .out = m_out, .err = m_err });
    }

    // The agent's first steps: the spec, then its stdout and stderr connections.
    void read_spec_and_connect(int control, int streams[2])
    {
        char spec[4];
        ASSERT_EQ(::recv(control, spec, sizeof spec, MSG_WAITALL), 4);
        EXPECT_EQ(std::string(spec, 4), "SPEC");
        streams[0] = connect_to_host(m_socket, kStreamPort);
        streams[1] = connect_to_host(m_socket, kStreamPort + 1);
    }

    void TearDown() override
    {
        if (m_agent.joinable())
            m_agent.join();
        ::close(m_out);
        ::close(m_err);
    }

    test::TemporaryDirectory m_directory;
    std::string m_socket = m_directory.file("v.sock");
    int m_out = ::memfd_create("out", MFD_CLOEXEC);
    int m_err = ::memfd_create("err", MFD_CLOEXEC);
    std::thread m_agent;
};

}

TEST_F(AgentSessionTest, CopiesTheStreamsAndReportsTheExitAfterDraining)
{
    char release = 0;
    auto session = start([&](int control) {
        int streams[2];
        read_spec_and_connect(control, streams);
        send_message(control, VMLET_AGENT_MSG_STARTED);
        EXPECT_EQ(::write(streams[0], "out\n", 4), 4);
        EXPECT_EQ(::write(streams[1], "err\n", 4), 4);
        ::close(streams[0]);
        ::close(streams[1]);
        send_message(control, VMLET_AGENT_MSG_EXITED, "\x03");
        EXPECT_EQ(::recv(control, &release, 1, 0), 1);
    });
    ASSERT_TRUE(session.ok()) << session.error().message();
    EXPECT_FALSE(session.value()->start_failure());
    auto exit = session.value()->wait_for(std::chrono::seconds(10));
    ASSERT_TRUE(exit.ok()) << exit.error().message();
    ASSERT_TRUE(exit.value().has_value());
    EXPECT_EQ(exit.value()->status, 3);
    m_agent.join();
    EXPECT_EQ(release, VMLET_AGENT_MSG_ACK); // after the output was in
    EXPECT_EQ(read_all(m_out), "out\n");
    EXPECT_EQ(read_all(m_err), "err\n");
}

TEST_F(AgentSessionTest, AStartFailureEndsTheSessionWithItsStatus)
{
    auto session = start([&](int control) {
        int streams[2];
        read_spec_and_connect(control, streams);
        EXPECT_EQ(::write(streams[1], "vmlet: exec nothing: No such file or directory\n", 47), 47);
        ::close(streams[0]);
        ::close(streams[1]);
        send_message(control, VMLET_AGENT_MSG_FAILED, "\x7f");
        char release = 0;
        EXPECT_EQ(::recv(control, &release, 1, 0), 1);
    });
    ASSERT_TRUE(session.ok()) << session.error().message();
    EXPECT_EQ(session.value()->start_failure(), 127);
    auto exit = session.value()->wait_for(std::chrono::milliseconds(0));
    ASSERT_TRUE(exit.ok() && exit.value().has_value());
    EXPECT_EQ(exit.value()->status, 127);
    EXPECT_EQ(read_all(m_err), "vmlet: exec nothing: No such file or directory\n");
}

TEST_F(AgentSessionTest, SignalsAndSizesGoAsMessagesAndAVanishedAgentReportsNoStatus)
{
    std::string received;
    auto session = start([&](int control) {
        int streams[2];
        read_spec_and_connect(control, streams);
        send_message(control, VMLET_AGENT_MSG_STARTED);
        char messages[7];
        EXPECT_EQ(::recv(control, messages, sizeof messages, MSG_WAITALL), 7);
        received.assign(messages, sizeof messages);
        ::close(streams[0]);
        ::close(streams[1]);
        // and the agent goes without an 'X'
    });
    ASSERT_TRUE(session.ok()) << session.error().message();
    EXPECT_TRUE(session.value()->kill(15).ok());
    EXPECT_TRUE(session.value()->resize_terminal({ .rows = 300, .cols = 80 }).ok());
    auto exit = session.value()->wait_for(std::chrono::seconds(10));
    ASSERT_TRUE(exit.ok()) << exit.error().message();
    ASSERT_TRUE(exit.value().has_value());
    EXPECT_FALSE(exit.value()->status);
    // SIGNAL 15; then ROWS 300 and COLS 80, each a u16 little-endian (300 = 0x012c)
    EXPECT_EQ(received, (std::string { VMLET_AGENT_MSG_KILL, 15, VMLET_AGENT_MSG_WINDOW, 0x2c, 0x01, 80, 0 }));
    // Nothing more goes to an agent that has ended.
    EXPECT_TRUE(session.value()->kill(9).ok());
}

TEST_F(AgentSessionTest, AnythingButAStartReportIsAnError)
{
    auto session = start([&](int control) {
        int streams[2];
        read_spec_and_connect(control, streams);
        EXPECT_EQ(::send(control, "Z", 1, 0), 1); // no tag of agent_protocol.h
        ::close(streams[0]);
        ::close(streams[1]);
    });
    ASSERT_FALSE(session.ok());
    EXPECT_NE(session.error().message().find("instead of its start report"), std::string::npos) << session.error().message();
}

TEST_F(AgentSessionTest, AnAgentThatLeavesBeforeItsReportIsAnError)
{
    auto session = start([&](int control) {
        int streams[2];
        read_spec_and_connect(control, streams);
        ::close(streams[0]);
        ::close(streams[1]);
    });
    ASSERT_FALSE(session.ok());
    EXPECT_NE(session.error().message().find("closed its connection before the command started"), std::string::npos)
        << session.error().message();
}

// A guest that stops reading never holds vmlet up: what it does not take within the time is an
// error (VmSandbox then stops its VM), where a blocking send waited for ever.
TEST(SendBytes, APeerThatStopsReadingIsAnErrorInTime)
{
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    UniqueFd ours(pair[0]), guest(pair[1]);
    std::string lots(4 << 20, 'x');
    auto started = std::chrono::steady_clock::now();
    auto sent = send_bytes(ours.get(), lots, std::chrono::milliseconds(200));
    ASSERT_FALSE(sent.ok());
    EXPECT_NE(sent.error().message().find("stopped reading"), std::string::npos) << sent.error().message();
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
    EXPECT_TRUE(send_bytes(guest.get(), "still a stream").ok());
}
