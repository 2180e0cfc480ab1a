#include "containers/runtime/vm/agent_spec.h"

#include "guest/agent/agent_protocol.h"

#include <gtest/gtest.h>

using namespace vmlet;

namespace {

// The fields after the length prefix, split at their NULs.
std::vector<std::string> fields_of(const std::string& message)
{
    std::vector<std::string> fields;
    size_t start = 4;
    while (start < message.size()) {
        auto end = message.find('\0', start);
        fields.push_back(message.substr(start, end - start));
        start = end + 1;
    }
    return fields;
}

// One field as fields_of() returns it: its tag, then its value.
std::string field(vmlet_agent_field tag, std::string_view value = {})
{
    return static_cast<char>(tag) + std::string(value);
}

}

// guest/agent/agent_protocol.h: u32 little-endian length, then tagged NUL-terminated fields.
TEST(AgentSpec, EncodesTheProcessInTaggedFields)
{
    ContainerSpec spec;
    spec.args = { "sh", "-c", "echo a b" };
    spec.env = { "PATH=/bin", "EMPTY=" };
    spec.working_dir = "/srv";
    spec.hostname = "box";
    spec.limits.pids_max = 10;
    ExecUser user { .uid = 1000, .gid = 1000, .supplementary_gids = { 1000, 27 }, .home = "/home/app" };
    auto message = encode_agent_spec(spec, user, { .stdin_attached = true, .loopback = true });

    ASSERT_GE(message.size(), 4u);
    uint32_t length = uint8_t(message[0]) | uint8_t(message[1]) << 8 | uint8_t(message[2]) << 16 | uint32_t(uint8_t(message[3])) << 24;
    EXPECT_EQ(length, message.size() - 4);
    EXPECT_EQ(fields_of(message),
        (std::vector<std::string> { field(VMLET_AGENT_FIELD_ARG, "sh"), field(VMLET_AGENT_FIELD_ARG, "-c"),
            field(VMLET_AGENT_FIELD_ARG, "echo a b"), field(VMLET_AGENT_FIELD_ENV, "PATH=/bin"), field(VMLET_AGENT_FIELD_ENV, "EMPTY="),
            field(VMLET_AGENT_FIELD_ENV, "HOME=/home/app"), field(VMLET_AGENT_FIELD_WORKDIR, "/srv"), field(VMLET_AGENT_FIELD_USER, "1000:1000"),
            field(VMLET_AGENT_FIELD_GROUP, "1000"), field(VMLET_AGENT_FIELD_GROUP, "27"), field(VMLET_AGENT_FIELD_HOSTNAME, "box"),
            field(VMLET_AGENT_FIELD_PIDS_MAX, "10"), field(VMLET_AGENT_FIELD_STDIN), field(VMLET_AGENT_FIELD_LOOPBACK) }));
}

TEST(AgentSpec, AnExecHasItsOwnStreamPortsAndATerminalItsSize)
{
    ContainerSpec spec;
    spec.args = { "sh" };
    auto fields = fields_of(encode_agent_spec(spec, ExecUser {}, { .stdin_attached = true, .stream_port = 70000, .terminal = TerminalSize { 24, 80 } }));
    EXPECT_EQ(fields,
        (std::vector<std::string> { field(VMLET_AGENT_FIELD_ARG, "sh"), field(VMLET_AGENT_FIELD_ENV, "HOME=/"), field(VMLET_AGENT_FIELD_WORKDIR, "/"),
            field(VMLET_AGENT_FIELD_USER, "0:0"), field(VMLET_AGENT_FIELD_STDIN), field(VMLET_AGENT_FIELD_STREAM_PORT, "70000"),
            field(VMLET_AGENT_FIELD_TERMINAL, "24:80") }));
}

TEST(AgentSpec, HomeFromTheEnvironmentWinsAndDefaultsAreOmitted)
{
    ContainerSpec spec;
    spec.args = { "true" };
    spec.env = { "HOME=/custom" };
    auto fields = fields_of(encode_agent_spec(spec, ExecUser {}, {}));
    EXPECT_EQ(fields,
        (std::vector<std::string> { field(VMLET_AGENT_FIELD_ARG, "true"), field(VMLET_AGENT_FIELD_ENV, "HOME=/custom"),
            field(VMLET_AGENT_FIELD_WORKDIR, "/"), field(VMLET_AGENT_FIELD_USER, "0:0") }));
}

// The bytes on the wire are the protocol, not the names: agent_protocol.h documents these letters,
// and a guest agent built from another tree must still understand this host.
TEST(AgentProtocol, TagsAreTheDocumentedLetters)
{
    EXPECT_EQ(std::string({ char(VMLET_AGENT_FIELD_ARG), char(VMLET_AGENT_FIELD_ENV), char(VMLET_AGENT_FIELD_WORKDIR), char(VMLET_AGENT_FIELD_USER),
                  char(VMLET_AGENT_FIELD_GROUP), char(VMLET_AGENT_FIELD_HOSTNAME), char(VMLET_AGENT_FIELD_PIDS_MAX), char(VMLET_AGENT_FIELD_STDIN),
                  char(VMLET_AGENT_FIELD_LOOPBACK), char(VMLET_AGENT_FIELD_STREAM_PORT), char(VMLET_AGENT_FIELD_TERMINAL) }),
        "aewughpinot");
    EXPECT_EQ(std::string({ char(VMLET_AGENT_MSG_STARTED), char(VMLET_AGENT_MSG_FAILED), char(VMLET_AGENT_MSG_EXITED), char(VMLET_AGENT_MSG_KILL),
                  char(VMLET_AGENT_MSG_WINDOW), char(VMLET_AGENT_MSG_ACK) }),
        "SFXKWA");
}

// The container's spec carries the host's clock and randomness: nanoseconds as 9 digits, the
// bytes as 64 hex digits.
TEST(AgentSpec, TheHostsClockAndRandomness)
{
    ContainerSpec spec;
    spec.args = { "true" };
    HostState state;
    state.time = { 1796640000, 5 };
    for (size_t i = 0; i < state.entropy.size(); ++i)
        state.entropy[i] = static_cast<uint8_t>(i * 9);
    auto fields = fields_of(encode_agent_spec(spec, ExecUser {}, { .host_state = state }));
    EXPECT_EQ(fields[fields.size() - 2], field(VMLET_AGENT_FIELD_TIME, "1796640000.000000005"));
    EXPECT_EQ(fields.back(), field(VMLET_AGENT_FIELD_ENTROPY, "0009121b242d363f48515a636c757e879099a2abb4bdc6cfd8e1eaf3fc050e17"));
    auto fresh = current_host_state();
    EXPECT_NE(fresh.time.tv_sec, 0);
    EXPECT_NE(fresh.entropy, current_host_state().entropy);
}
