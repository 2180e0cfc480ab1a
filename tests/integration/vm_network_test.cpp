// VM containers on a host bridge (issue 15): VmSandbox with a NetworkAttachment, booted cold and
// restored from a template. The test process moves itself into a network namespace of its own
// (ctest runs each test in its own process), where it makes the bridge, so the taps, addresses and
// traffic exist only there and vanish with it. Needs KVM and root; labelled "kvm".
#include "tests/support/one_connection.h"
#include "containers/runtime/vm/vm_sandbox.h"
#include "containers/runtime/vm/vm_template.h"
#include "tests/integration/vmlet_process.h"
#include "tests/support/temporary_directory.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

namespace vmlet::test {

namespace {

constexpr uint32_t kGateway = 0x0a4d0001; // 10.77.0.1, the bridge's address
constexpr uint16_t kPort = 5000;

// What the guest shows of its network, one fact a line.
constexpr const char* kReport = "cat /sys/class/net/eth0/address /sys/class/net/eth0/operstate /sys/class/net/eth0/mtu; "
                                "ip -4 addr show eth0 | grep -o 'inet [0-9./]*'; ip route | grep default; "
                                "echo ---; cat /etc/hosts; echo ---; cat /etc/resolv.conf; echo ---; ";

class VmNetwork : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (!kvm_available())
            GTEST_SKIP() << "/dev/kvm is not available on this host";
        if (::geteuid() != 0 || ::access("/dev/net/tun", R_OK | W_OK) != 0)
            GTEST_SKIP() << "VM container networks need root and /dev/net/tun";
        ::setenv("VMLET_VMM", VMLET_VMM_BINARY, 1);
        ASSERT_EQ(::unshare(CLONE_NEWNET), 0) << "cannot make a network namespace";
        ASSERT_EQ(std::system("ip link set lo up && ip link add vmtestbr0 type bridge && ip addr add 10.77.0.1/24 dev vmtestbr0 "
                              "&& ip link set vmtestbr0 up"),
            0);
        // The image: busybox and its applets.
        auto root = m_work.file("root");
        ASSERT_EQ(std::system(("mkdir -p " + root + "/bin && cp /bin/busybox " + root + "/bin/ && for a in $(/bin/busybox --list | grep -vx busybox); "
                                  + "do ln -s busybox " + root + "/bin/$a; done && mkfs.ext4 -q -d "
                                  + root + " " + m_work.file("image.ext4") + " 32M >/dev/null && mkdir " + m_work.file("state"))
                                  .c_str()),
            0);
    }

    ContainerSpec spec_with(std::optional<NetworkAttachment> network, const std::string& script)
    {
        ContainerSpec spec;
        spec.args = { "/bin/sh", "-c", script };
        spec.env = { "PATH=/bin" };
        spec.hostname = "netbox";
        spec.network = std::move(network);
        spec.etc_hosts = "127.0.0.1\tlocalhost\n10.77.0.5\tnetbox\n";
        spec.etc_resolv_conf = "nameserver 10.77.0.1\noptions ndots:0\n";
        spec.rootfs.state_dir = m_work.file("state");
        return spec;
    }

    // Runs `spec` to its end (at most three minutes); its exit status and standard output.
    std::pair<int, std::string> run(const ContainerSpec& spec, std::optional<std::string> template_dir)
    {
        int pipe_fds[2];
        EXPECT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
        VmSandboxOptions options { .disk = m_work.file("image.ext4"), .memory_mib = 256, .cpus = 1, .user = {}, .publish_ports = false,
            .template_dir = std::move(template_dir), .boot_timeout = std::chrono::seconds(180) };
        auto sandbox = VmSandbox::start(fmt::format("vmnettest{}", ::getpid()), spec, { -1, pipe_fds[1], 2 }, options);
        ::close(pipe_fds[1]);
        if (!sandbox.ok()) {
            ::close(pipe_fds[0]);
            ADD_FAILURE() << sandbox.error().message();
            return { -1, "" };
        }
        auto status = sandbox.value()->wait_for(std::chrono::minutes(3));
        if (!status.ok() || !status.value())
            (void)sandbox.value()->kill(SIGKILL);
        std::string out;
        char buffer[4096];
        for (ssize_t count; (count = ::read(pipe_fds[0], buffer, sizeof(buffer))) > 0;)
            out.append(buffer, size_t(count));
        ::close(pipe_fds[0]);
        (void)sandbox.value()->destroy();
        EXPECT_TRUE(status.ok() && status.value()) << "the container did not end in time";
        return { status.ok() && status.value() ? *status.value() : -1, out };
    }

    static NetworkAttachment attachment()
    {
        return { .network = "test", .bridge = "vmtestbr0", .mac = { 0x02, 0x42, 0x0a, 0x4d, 0x00, 0x05 }, .address = 0x0a4d0005, .prefix_length = 24,
            .gateway = kGateway, .mtu = 1400 };
    }

    // What kReport and the exchange print for attachment().
    static std::string expected_report()
    {
        return "02:42:0a:4d:00:05\nup\n1400\ninet 10.77.0.5/24\ndefault via 10.77.0.1 dev eth0 \n---\n127.0.0.1\tlocalhost\n10.77.0.5\tnetbox\n---\n"
               "nameserver 10.77.0.1\noptions ndots:0\n---\npong-from-bridge\n";
    }

    static bool no_tap_left() { return ::if_nametoindex("vmlet-t0") == 0 && ::if_nametoindex("vmlet-t1") == 0; }

    TemporaryDirectory m_work;
};

}

TEST_F(VmNetwork, ColdBootedContainerIsOnTheBridge)
{
    OneConnection listener(kGateway, kPort, "pong-from-bridge\n");
    auto [status, out] = run(spec_with(attachment(), std::string(kReport) + "echo ping-from-guest | nc 10.77.0.1 5000"), std::nullopt);
    EXPECT_EQ(listener.finish(), "ping-from-guest\n");
    EXPECT_EQ(status, 0) << out;
    EXPECT_EQ(out, expected_report());
    EXPECT_TRUE(no_tap_left()) << "the container's tap outlived its VM";
}

TEST_F(VmNetwork, ContainersRestoredFromATemplateHaveTheirOwnCardOrNone)
{
    VmTemplates templates(m_work.file("store"));
    std::string why_not;
    auto made = templates.find_or_build({ .image_hex = "test", .disk = m_work.file("image.ext4"), .memory_mib = 256, .cpus = 1 }, why_not);
    ASSERT_TRUE(made.ok()) << made.error().message();
    if (!made.value())
        GTEST_SKIP() << "this host cannot restore VMs: " << why_not;
    EXPECT_TRUE(no_tap_left()) << "the template's tap outlived its VM";

    OneConnection listener(kGateway, kPort, "pong-from-bridge\n");
    auto [status, out] = run(spec_with(attachment(), std::string(kReport) + "echo ping-from-guest | nc 10.77.0.1 5000"), *made.value());
    EXPECT_EQ(listener.finish(), "ping-from-guest\n");
    EXPECT_EQ(status, 0) << out;
    EXPECT_EQ(out, expected_report());

    // --network none: the template's card leaves the guest, which has `lo` only, as under Docker,
    // and no route; the files are the spec's all the same.
    auto [none_status, none_out] = run(spec_with(std::nullopt, "ls /sys/class/net; ip route; echo ---; cat /etc/hosts"), *made.value());
    EXPECT_EQ(none_status, 0) << none_out;
    EXPECT_EQ(none_out, "lo\n---\n127.0.0.1\tlocalhost\n10.77.0.5\tnetbox\n");
    EXPECT_TRUE(no_tap_left()) << "a container's tap outlived its VM";
}

}
