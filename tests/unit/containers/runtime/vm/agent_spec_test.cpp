#include "containers/runtime/vm/agent_spec.h"

#include "guest/agent/agent_protocol.h"

#include <gtest/gtest.h>

#include <algorithm>

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

// A --rm container's spec, which has no 'L' (its layer stays in the VM's RAM): the tests that
// list every field are about the others.
ContainerSpec removed_with_its_run()
{
    ContainerSpec spec;
    spec.rootfs.ephemeral = true;
    return spec;
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
    auto spec = removed_with_its_run();
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
    auto spec = removed_with_its_run();
    spec.args = { "true" };
    spec.env = { "HOME=/custom" };
    auto fields = fields_of(encode_agent_spec(spec, ExecUser {}, {}));
    EXPECT_EQ(fields,
        (std::vector<std::string> { field(VMLET_AGENT_FIELD_ARG, "true"), field(VMLET_AGENT_FIELD_ENV, "HOME=/custom"),
            field(VMLET_AGENT_FIELD_WORKDIR, "/"), field(VMLET_AGENT_FIELD_USER, "0:0") }));
}

// Binds and volumes are the volumes device's exports in their order; tmpfs carry size and mode;
// noexec and nosuid follow the access letter.
// An exec's spec has none: the container's mounts are there already.
TEST(AgentSpec, MountsAreTheContainersOnly)
{
    ContainerSpec spec;
    spec.args = { "true" };
    spec.mounts = { { .kind = MountSpec::Kind::Bind, .source = "/h", .host_path = "/h", .target = "/data", .read_only = false, .no_exec = true, .no_suid = true, .tmpfs_size = {}, .tmpfs_mode = {} },
        { .kind = MountSpec::Kind::Tmpfs, .source = {}, .host_path = {}, .target = "/t", .read_only = true, .no_exec = true, .tmpfs_size = 4096, .tmpfs_mode = 0700 },
        { .kind = MountSpec::Kind::Volume, .source = "v", .host_path = "/root/volumes/v/_data", .target = "/v", .read_only = true, .tmpfs_size = {}, .tmpfs_mode = {} } };
    auto fields = fields_of(encode_agent_spec(spec, ExecUser {}, {}));
    EXPECT_EQ(std::vector<std::string>(fields.end() - 3, fields.end()),
        (std::vector<std::string> { field(VMLET_AGENT_FIELD_MOUNT, "swxs 0 /data"), field(VMLET_AGENT_FIELD_MOUNT, "trx 4096:700 /t"),
            field(VMLET_AGENT_FIELD_MOUNT, "sr 1 /v") }));
    auto exec = fields_of(encode_agent_spec(spec, ExecUser {}, { .stream_port = 2000 }));
    EXPECT_TRUE(std::ranges::none_of(exec, [](const std::string& value) { return value.front() == VMLET_AGENT_FIELD_MOUNT; }));
}

// A container's writable layer is its disk unless it goes with its run (--rm); an exec has the
// container's root already.
TEST(AgentSpec, TheLayerIsOnDiskUnlessTheContainerGoesWithItsRun)
{
    ContainerSpec spec;
    spec.args = { "true" };
    auto has_layer = [](const std::vector<std::string>& fields) {
        return std::ranges::count(fields, field(VMLET_AGENT_FIELD_LAYER_DISK, "")) == 1;
    };
    EXPECT_TRUE(has_layer(fields_of(encode_agent_spec(spec, ExecUser {}, {}))));
    EXPECT_FALSE(has_layer(fields_of(encode_agent_spec(spec, ExecUser {}, { .stream_port = 2000 }))));
    spec.rootfs.ephemeral = true;
    EXPECT_FALSE(has_layer(fields_of(encode_agent_spec(spec, ExecUser {}, {}))));
}

// The bytes on the wire are the protocol, not the names: agent_protocol.h documents these letters,
// and a guest agent built from another tree must still understand this host.
TEST(AgentProtocol, TagsAreTheDocumentedLetters)
{
    EXPECT_EQ(std::string({ char(VMLET_AGENT_FIELD_ARG), char(VMLET_AGENT_FIELD_ENV), char(VMLET_AGENT_FIELD_WORKDIR), char(VMLET_AGENT_FIELD_USER),
                  char(VMLET_AGENT_FIELD_GROUP), char(VMLET_AGENT_FIELD_HOSTNAME), char(VMLET_AGENT_FIELD_PIDS_MAX), char(VMLET_AGENT_FIELD_STDIN),
                  char(VMLET_AGENT_FIELD_LOOPBACK), char(VMLET_AGENT_FIELD_STREAM_PORT), char(VMLET_AGENT_FIELD_TERMINAL),
                  char(VMLET_AGENT_FIELD_NETWORK), char(VMLET_AGENT_FIELD_HOSTS), char(VMLET_AGENT_FIELD_RESOLV_CONF), char(VMLET_AGENT_FIELD_MOUNT),
                  char(VMLET_AGENT_FIELD_LAYER_DISK) }),
        "aewughpinotNHRML");
    EXPECT_EQ(std::string({ char(VMLET_AGENT_MSG_STARTED), char(VMLET_AGENT_MSG_FAILED), char(VMLET_AGENT_MSG_EXITED), char(VMLET_AGENT_MSG_KILL),
                  char(VMLET_AGENT_MSG_WINDOW), char(VMLET_AGENT_MSG_ACK) }),
        "SFXKWA");
}

// The container's spec carries the host's clock and randomness: nanoseconds as 9 digits, the
// bytes as 64 hex digits.
TEST(AgentSpec, TheHostsClockAndRandomness)
{
    auto spec = removed_with_its_run();
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

// The container's place on a network as 'N' "MAC ADDRESS/PREFIX GATEWAY MTU", and the files that
// name its hosts and resolvers as 'H' and 'R', after everything else.
TEST(AgentSpec, TheNetworkAndTheFilesThatNameHosts)
{
    auto spec = removed_with_its_run();
    spec.args = { "true" };
    spec.network = NetworkAttachment { .network = "bridge", .bridge = "vmlet0", .mac = { 0x02, 0x42, 0x0a, 0x58, 0x00, 0x05 },
        .address = 0x0a580005, .prefix_length = 16, .gateway = 0x0a580001, .mtu = 1400 };
    spec.etc_hosts = "127.0.0.1\tlocalhost\n10.88.0.5\tbox\n";
    spec.etc_resolv_conf = "nameserver 10.88.0.1\n";
    auto fields = fields_of(encode_agent_spec(spec, ExecUser {}, {}));
    ASSERT_GE(fields.size(), 3u);
    EXPECT_EQ(fields[fields.size() - 3], field(VMLET_AGENT_FIELD_NETWORK, "02:42:0a:58:00:05 10.88.0.5/16 10.88.0.1 1400"));
    EXPECT_EQ(fields[fields.size() - 2], field(VMLET_AGENT_FIELD_HOSTS, spec.etc_hosts));
    EXPECT_EQ(fields.back(), field(VMLET_AGENT_FIELD_RESOLV_CONF, spec.etc_resolv_conf));

    // --network none: no 'N'; and an exec's spec (no files given) has none of the three.
    spec.network.reset();
    spec.etc_hosts.clear();
    spec.etc_resolv_conf.clear();
    for (const auto& each : fields_of(encode_agent_spec(spec, ExecUser {}, { .stream_port = 2000 })))
        EXPECT_TRUE(each[0] != VMLET_AGENT_FIELD_NETWORK && each[0] != VMLET_AGENT_FIELD_HOSTS && each[0] != VMLET_AGENT_FIELD_RESOLV_CONF) << each;
}
