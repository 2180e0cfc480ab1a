// Container networks, for each isolation: containers on one network reach each other by name
// over TCP and UDP, and the host's side of the bridge; networks are kept apart; --network none
// has loopback only; and nothing is left on the host afterwards. The test process has a network
// namespace of its own (own_network_namespace.h), where vmlet makes its bridges and tables.
#include "tests/integration/run_test.h"

#include "tests/support/command.h"
#include "tests/support/oci_image_builder.h"
#include "tests/support/one_connection.h"
#include "tests/support/temporary_directory.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <csignal>
#include <fstream>
#include <thread>

namespace vmlet::test {

namespace {

// The links and firewall tables of the test's network namespace, for "nothing is left".
std::string links_and_tables()
{
    auto links = run_command({ "sh", "-c", "ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | tr '\\n' ' '" });
    auto tables = run_command({ "nft", "list", "tables" });
    return links.out + "| " + tables.out;
}

// A shell command that reads from HOST PORT over TCP, retried for up to 20 s (the server container
// may still be starting), with busybox's nc: the image's, or the host's busybox-static.
std::string read_from(const std::string& host, int port, const std::string& nc = "nc")
{
    return fmt::format("(for i in $(seq 100); do {} {} {} 2>/dev/null && exit 0; sleep 0.2; done; exit 1)", nc, host, port);
}

// Sends `message` to 127.0.0.1:`port` over UDP every 200 ms until an answer comes, for up to
// `timeout`: the answer, or "(no answer)".
std::string ask_over_udp(int port, const std::string& message, std::chrono::seconds timeout)
{
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in target {};
    target.sin_family = AF_INET;
    target.sin_port = htons(uint16_t(port));
    target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string answer = "(no answer)";
    if (::connect(fd, reinterpret_cast<sockaddr*>(&target), sizeof target) == 0) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            (void)::send(fd, message.data(), message.size(), 0);
            pollfd ready { fd, POLLIN, 0 };
            char buffer[512];
            ssize_t count = ::poll(&ready, 1, 200) == 1 ? ::recv(fd, buffer, sizeof buffer, 0) : -1;
            if (count >= 0) {
                answer.assign(buffer, size_t(count));
                break;
            }
        }
    }
    ::close(fd);
    return answer;
}

}

TEST_P(RunTest, PublishedPortsCarryTcpAndUdp)
{
    load_probe_image(s_store->root(), "udp_peer.c", "/bin/udp_peer", "net:1");
    // The test's own network namespace: these ports are free.
    auto started = run({ "-d", "--name", "both", "-p", "127.0.0.1:17000:7000", "-p", "127.0.0.1:17001:7001/udp", "net:1", "sh", "-c",
        "udp_peer echo 7001 & while true; do echo over tcp | nc -l -p 7000; done" });
    ASSERT_EQ(started.exit_code, 0) << started.err;
    auto timeout = std::chrono::seconds(GetParam() == "vm" ? 120 : 30);
    EXPECT_EQ(ask_over_udp(17001, "datagram", timeout), "pong datagram");
    auto fetched = run_command({ "sh", "-c", read_from("127.0.0.1", 17000, "busybox nc") });
    EXPECT_EQ(fetched.out, "over tcp\n") << fetched.err;
    auto refused = run({ "--rm", "--network", "none", "-p", "17002:53/udp", "app:1" });
    EXPECT_EQ(refused.exit_code, 125);
    EXPECT_EQ(refused.err, "vmlet: -p .../udp needs the container on a network: not with --network none\n");
}

TEST_P(RunTest, ContainersOnOneNetworkReachEachOtherByNameOverTcpAndUdp)
{
    load_probe_image(s_store->root(), "udp_peer.c", "/bin/udp_peer", "net:1");
    ASSERT_EQ(vmlet({ "network", "create", "--subnet", "10.123.0.0/24", "shared" }).exit_code, 0);
    // The server in the isolation under test; clients in both, so that with vm a process
    // container and a VM container talk across one bridge.
    auto server = run({ "-d", "--name", "server", "--network", "shared", "--network-alias", "db", "net:1", "sh", "-c",
        "udp_peer echo 7001 & while true; do echo hello over tcp | nc -l -p 7000; done" });
    ASSERT_EQ(server.exit_code, 0) << server.err;
    auto isolations = GetParam() == "process" ? std::vector<std::string> { "process" } : std::vector<std::string> { "process", GetParam() };
    for (const auto& isolation : isolations) {
        auto client = vmlet({ "run", "--rm", "--isolation", isolation, "--network", "shared", "net:1", "sh", "-c",
            read_from("server", 7000) + " && udp_peer ask db 7001 ping && grep -w server /etc/hosts" });
        EXPECT_EQ(client.exit_code, 0) << isolation << ": " << client.err;
        EXPECT_EQ(client.out, "hello over tcp\npong ping\n10.123.0.2\tserver db " + server.out.substr(0, 12) + "\n") << isolation;
    }
    // Names follow containers that come and go: the server, there first, learns a later one's.
    auto late = vmlet({ "run", "-d", "--name", "late", "--isolation", "process", "--network", "shared", "net:1", "sleep", "600" });
    ASSERT_EQ(late.exit_code, 0) << late.err;
    auto seen = vmlet({ "exec", "server", "sh", "-c", "grep -w late /etc/hosts | cut -f2" });
    EXPECT_EQ(seen.out, "late " + late.out.substr(0, 12) + "\n") << seen.err;
    ASSERT_EQ(vmlet({ "rm", "-f", "late" }).exit_code, 0);
    auto forgotten = vmlet({ "exec", "server", "grep", "-c", "late", "/etc/hosts" });
    EXPECT_EQ(forgotten.out, "0\n") << forgotten.err;
    // The host's side of the bridge is the containers' gateway.
    OneConnection host(0x0a7b0001, 7100); // 10.123.0.1
    auto sent = run({ "--rm", "--network", "shared", "net:1", "sh", "-c", "echo from the container | nc 10.123.0.1 7100" });
    EXPECT_EQ(host.finish(), "from the container\n");
    EXPECT_EQ(sent.exit_code, 0) << sent.err;
}

TEST_P(RunTest, NetworksAreKeptApartAndNoneHasOnlyLoopback)
{
    load_probe_image(s_store->root(), "udp_peer.c", "/bin/udp_peer", "net:1");
    ASSERT_EQ(vmlet({ "network", "create", "--subnet", "10.124.0.0/24", "a" }).exit_code, 0);
    ASSERT_EQ(vmlet({ "network", "create", "--subnet", "10.125.0.0/24", "b" }).exit_code, 0);
    auto server = run({ "-d", "--network", "a", "--ip", "10.124.0.50", "net:1", "sh", "-c", "while true; do echo hello | nc -l -p 7000; done" });
    ASSERT_EQ(server.exit_code, 0) << server.err;
    // Its own network reaches it; another network's container does not, though the host routes both.
    auto same = run({ "--rm", "--network", "a", "net:1", "sh", "-c", read_from("10.124.0.50", 7000) });
    EXPECT_EQ(same.out, "hello\n") << same.err;
    auto other = run({ "--rm", "--network", "b", "net:1", "sh", "-c", "ip route; nc -w 3 10.124.0.50 7000 && echo reached; ping -c 1 -W 2 10.124.0.50 >/dev/null || echo unreachable" });
    EXPECT_NE(other.out.find("default via 10.125.0.1"), std::string::npos) << other.out;
    EXPECT_EQ(other.out.find("reached"), std::string::npos) << other.out;
    EXPECT_NE(other.out.find("unreachable"), std::string::npos) << other.out;

    auto none = run({ "--rm", "--network", "none", "net:1", "sh", "-c", "ls /sys/class/net; ip route" });
    EXPECT_EQ(none.exit_code, 0) << none.err;
    EXPECT_EQ(none.out, "lo\n");
}

TEST_P(RunTest, NothingOfANetworkIsLeftAfterItsContainersAndItGo)
{
    load_probe_image(s_store->root(), "udp_peer.c", "/bin/udp_peer", "net:1");
    // An outside link, as the host's own: its forwarding is off, and goes back off.
    for (const auto& step : { "ip link add outside0 type veth peer name outside1", "ip link set outside1 up", "ip link set outside0 up",
             "ip addr add 192.0.2.2/24 dev outside0", "ip route add default via 192.0.2.1" })
        ASSERT_EQ(run_command({ "sh", "-c", step }).exit_code, 0) << step;
    auto forwarding = [] { return run_command({ "cat", "/proc/sys/net/ipv4/conf/outside0/forwarding" }).out; };
    ASSERT_EQ(forwarding(), "0\n");
    auto before = links_and_tables();
    ASSERT_EQ(vmlet({ "network", "create", "left" }).exit_code, 0);
    // NAT replies come back through it; new connections from it stay refused (table vmlet_outside).
    EXPECT_EQ(forwarding(), "1\n");
    EXPECT_NE(links_and_tables().find("table ip vmlet_outside"), std::string::npos) << links_and_tables();
    auto running = run({ "-d", "--name", "holder", "--network", "left", "net:1", "sleep", "600" });
    ASSERT_EQ(running.exit_code, 0) << running.err;
    EXPECT_NE(links_and_tables(), before);
    auto refused = vmlet({ "network", "rm", "left" });
    EXPECT_EQ(refused.exit_code, 125);
    EXPECT_EQ(refused.err, "vmlet: network left has active endpoints: holder\n");
    ASSERT_EQ(vmlet({ "rm", "-f", "holder" }).exit_code, 0);
    // A container whose monitor is killed outright leaves nothing either: its veth goes with its
    // network namespace, its tap with the last descriptor, and its address with its record.
    auto killed = run({ "-d", "--network", "left", "net:1", "sleep", "600" });
    ASSERT_EQ(killed.exit_code, 0) << killed.err;
    auto id = killed.out.substr(0, 64);
    auto record = nlohmann::json::parse(std::ifstream(s_store->root() + "/containers/" + id + "/container.json"));
    ASSERT_GT(record["monitor_pid"].get<int>(), 0);
    ASSERT_EQ(::kill(record["monitor_pid"].get<int>(), SIGKILL), 0);
    // The kernel tears a network namespace down in a worker of its own, seconds later when busy.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (links_and_tables().find("vmv") != std::string::npos && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(links_and_tables().find("vmv"), std::string::npos) << links_and_tables();
    ASSERT_EQ(vmlet({ "rm", id }).exit_code, 0);
    EXPECT_EQ(vmlet({ "network", "rm", "left" }).exit_code, 0);
    // The default network was made by no one here: only what this test made is checked.
    EXPECT_EQ(links_and_tables(), before);
    EXPECT_EQ(forwarding(), "0\n");
    EXPECT_EQ(vmlet({ "network", "ls" }).out.find("left"), std::string::npos);
}

TEST_P(RunTest, NetworkOptionsAreChecked)
{
    ASSERT_EQ(vmlet({ "network", "create", "--subnet", "10.126.0.0/24", "checked" }).exit_code, 0);
    auto expect_refused = [&](std::vector<std::string> arguments, const std::string& message) {
        auto result = arguments.front() == "network" ? vmlet(arguments) : run(arguments);
        EXPECT_EQ(result.exit_code, 125) << message;
        EXPECT_EQ(result.err, "vmlet: " + message + "\n");
    };
    expect_refused({ "--rm", "--network", "nosuch", "app:1" }, "no such network: nosuch");
    expect_refused({ "--rm", "--network", "checked", "--ip", "10.9.9.9", "app:1" }, "the address 10.9.9.9 is not in network checked's subnet 10.126.0.0/24");
    expect_refused({ "--rm", "--network", "checked", "--ip", "10.126.0.1", "app:1" }, "the address 10.126.0.1 is already in use on network checked");
    expect_refused({ "--rm", "--network", "none", "--ip", "10.126.0.9", "app:1" }, "--ip needs a network: not with --network none");
    expect_refused({ "--rm", "--add-host", "nocolon", "app:1" }, "--add-host nocolon: use NAME:IP");
    expect_refused({ "network", "create", "--subnet", "10.126.0.0/16", "wider" }, "the subnet 10.126.0.0/16 overlaps network checked's");
    expect_refused({ "network", "create", "--subnet", "10.127.0.1/24", "hostbits" },
        "--subnet 10.127.0.1/24: use an IPv4 network as ADDRESS/PREFIX, prefix 8 to 30, with no host bits set (10.90.0.0/24)");
    expect_refused({ "network", "create", "checked" }, "network with name checked already exists");
    expect_refused({ "network", "create", "none" }, "the network name \"none\" is reserved for --network none");
    if (GetParam() == "vm")
        expect_refused({ "--rm", "--network", "host", "app:1" }, "--network host needs --isolation=process: a VM has a network stack of its own");
    // --add-host and --dns reach the container's files; --ip gives the address asked for.
    auto given = run({ "--rm", "--network", "checked", "--ip", "10.126.0.77", "--add-host", "gw.example:10.126.0.1", "--dns", "192.0.2.53",
        "app:1", "sh", "-c", "ip -o -4 addr show eth0 | awk '{print $4}'; grep gw.example /etc/hosts; grep nameserver /etc/resolv.conf" });
    EXPECT_EQ(given.exit_code, 0) << given.err;
    EXPECT_EQ(given.out, "10.126.0.77/24\n10.126.0.1\tgw.example\nnameserver 192.0.2.53\n");
    EXPECT_EQ(vmlet({ "network", "rm", "checked" }).exit_code, 0);
}

}
