// The virtio devices seen from a real guest on KVM: bytes on the host's image files, the guest's
// /dev/hwrng, hvc0, TCP over a tap inside a network namespace this test makes for itself, and
// vsock streams both ways through the AF_UNIX sockets of the hybrid vsock device.
#include "tests/support/one_connection.h"
#include "tests/integration/real_guest.h"
#include "vmm/base/unix_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <regex>
#include <thread>

namespace vmlet::test {

namespace {

std::vector<uint8_t> read_bytes(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    return { std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>() };
}

std::vector<uint8_t> patterned_image(size_t size)
{
    std::vector<uint8_t> bytes(size);
    for (size_t index = 0; index < size; ++index)
        bytes[index] = uint8_t(index * 7 + index / 512);
    return bytes;
}

// A stream socket on the host side of the vsock device, with a deadline on every wait so a test
// thread never outlives its guest.
class UnixStream {
public:
    static constexpr auto kDeadline = std::chrono::seconds(240);

    explicit UnixStream(int fd)
        : m_fd(fd)
    {
    }
    ~UnixStream()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    static sockaddr_un address(const std::string& path)
    {
        return unix_socket_address(path).value();
    }
    static bool wait(int fd, short events, std::chrono::steady_clock::time_point until)
    {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now()).count();
        pollfd ready { fd, events, 0 };
        return fd >= 0 && left > 0 && ::poll(&ready, 1, int(left)) == 1;
    }
    // Reads until `stop` is in the text (a line), end of stream, or the deadline.
    std::string read_until(std::string_view stop, std::chrono::steady_clock::time_point until)
    {
        std::string text;
        char byte;
        while ((stop.empty() || text.find(stop) == std::string::npos) && wait(m_fd, POLLIN, until) && ::read(m_fd, &byte, 1) == 1)
            text += byte;
        return text;
    }
    // MSG_NOSIGNAL: vmlet closes a client it cannot serve yet (no guest driver), which is no reason
    // for SIGPIPE to end the test.
    void write_all(std::string_view text) { (void)!::send(m_fd, text.data(), text.size(), MSG_NOSIGNAL); }
    int fd() const { return m_fd; }

private:
    int m_fd;
};

}

TEST_F(RealGuest, BytesWrittenToTheDiskLandInTheImageFile)
{
    TemporaryDirectory directory;
    auto image = directory.file("disk.img");
    write_file(image, std::vector<uint8_t>(1 << 20, 0));
    auto result = boot({ "--disk", image, "--", "sh", "-c", "printf vmlet-disk-bytes | dd of=/dev/vda bs=512 seek=3 conv=sync,fsync 2>/dev/null" });
    ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
    auto bytes = read_bytes(image);
    ASSERT_EQ(bytes.size(), 1u << 20);
    EXPECT_EQ(std::string(bytes.begin() + 3 * 512, bytes.begin() + 3 * 512 + 16), "vmlet-disk-bytes");
    EXPECT_EQ(bytes[3 * 512 + 16], 0);
    EXPECT_EQ(bytes[3 * 512 - 1], 0);
}

TEST_F(RealGuest, GuestReadsWhatTheImageHolds)
{
    TemporaryDirectory directory;
    auto image = directory.file("disk.img");
    auto bytes = std::vector<uint8_t>(64 * 1024, 'x');
    std::string marker = "sector-nine";
    std::copy(marker.begin(), marker.end(), bytes.begin() + 9 * 512);
    write_file(image, bytes);
    auto result = boot({ "--disk", image, "--", "sh", "-c", "dd if=/dev/vda bs=512 skip=9 count=1 2>/dev/null | head -c 11; echo; cat /sys/block/vda/size" });
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "sector-nine\n128\n");
}

TEST_F(RealGuest, ReadOnlyDiskStaysUnchanged)
{
    TemporaryDirectory directory;
    auto image = directory.file("ro.img");
    auto original = patterned_image(256 * 1024);
    write_file(image, original);
    auto result = boot({ "--disk", image + ",ro", "--", "sh", "-c",
        "cat /sys/block/vda/ro; echo overwrite | dd of=/dev/vda conv=fsync 2>/dev/null && echo write-succeeded; "
        "dd if=/dev/vda bs=512 count=1 2>/dev/null | od -An -tx1 -N4" });
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out.substr(0, 2), "1\n") << result.out;
    EXPECT_EQ(result.out.find("write-succeeded"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find(" 00 07 0e 15"), std::string::npos) << "the guest reads the image: " << result.out;
    EXPECT_EQ(read_bytes(image), original);
}

TEST_F(RealGuest, TwoDisksAppearInOrder)
{
    TemporaryDirectory directory;
    write_file(directory.file("a.img"), std::vector<uint8_t>(8 * 512, 'a'));
    write_file(directory.file("b.img"), std::vector<uint8_t>(16 * 512, 'b'));
    auto result = boot({ "--disk", directory.file("a.img"), "--disk", directory.file("b.img") + ",ro", "--", "sh", "-c",
        "cat /sys/block/vda/size /sys/block/vdb/size /sys/block/vdb/ro; head -c 1 /dev/vdb" });
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "8\n16\n1\nb");
}

TEST_F(RealGuest, HwrngGivesRandomBytes)
{
    auto result = boot({ "--", "sh", "-c", "cat /sys/class/misc/hw_random/rng_current; head -c 32 /dev/hwrng | od -An -tx1 -v | tr -d ' \\n'; echo; head -c 32 /dev/hwrng | od -An -tx1 -v | tr -d ' \\n'" });
    ASSERT_EQ(result.exit_code, 0) << result.err;
    std::smatch match;
    ASSERT_TRUE(std::regex_match(result.out, match, std::regex("virtio_rng\\.0\n([0-9a-f]{64})\n([0-9a-f]{64})"))) << result.out;
    EXPECT_NE(match[1].str(), match[2].str());
    EXPECT_NE(match[1].str(), std::string(64, '0'));
}

TEST_F(RealGuest, VirtioConsoleCarriesOutputAndTheExitStatus)
{
    auto result = boot({ "--console", "virtio", "--", "sh", "-c", "head -c 4 /proc/consoles; echo; echo via-hvc; exit 3" });
    EXPECT_EQ(result.exit_code, 3) << result.err;
    EXPECT_EQ(result.out, "hvc0\nvia-hvc\n");
}

TEST_F(RealGuest, VirtioConsoleTakesPipedInput)
{
    ProcessOptions options { .timeout = std::chrono::seconds(300), .input = "echo piped-$((6*7))\nexit 6\n" };
    auto result = boot({ "--console", "virtio" }, options);
    EXPECT_EQ(result.exit_code, 6) << result.out << result.err;
    EXPECT_NE(result.out.find("piped-42"), std::string::npos) << result.out;
}

// Network tests: the test process moves itself into a new network namespace (ctest runs each test
// in its own process), so the tap, the addresses and all traffic exist only there and vanish with it.
class GuestNetwork : public RealGuest {
protected:
    void SetUp() override
    {
        RealGuest::SetUp();
        if (IsSkipped())
            return;
        if (::geteuid() != 0 || ::access("/dev/net/tun", R_OK | W_OK) != 0)
            GTEST_SKIP() << "network tests need root and /dev/net/tun";
        ASSERT_EQ(::unshare(CLONE_NEWNET), 0) << "cannot make a network namespace";
        ASSERT_EQ(std::system("ip link set lo up"), 0);
    }
};

TEST_F(GuestNetwork, TcpExchangeWithTheHostOverATap)
{
    ASSERT_EQ(std::system("ip tuntap add dev vmtest0 mode tap && ip addr add 10.0.2.1/24 dev vmtest0 && ip link set vmtest0 up"), 0);
    OneConnection host(0x0a000201, 5000);
    auto result = boot({ "--net", "tap=vmtest0,mac=02:00:00:00:00:2a", "--", "sh", "-c",
        "cat /sys/class/net/eth0/address; ip addr add 10.0.2.2/24 dev eth0 && ip link set eth0 up && echo ping-from-guest | nc 10.0.2.1 5000" });
    EXPECT_EQ(host.finish(), "ping-from-guest\n");
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    EXPECT_EQ(result.out, "02:00:00:00:00:2a\npong-from-host\n");
}

// --net fd=N: the tap comes open from the parent (as a VM container's does from vmlet), a
// non-persistent one, gone once the parent's descriptor and the monitor's are closed.
TEST_F(GuestNetwork, TapByDescriptorCarriesTcpAndGoesWithItsLastDescriptor)
{
    int tap = ::open("/dev/net/tun", O_RDWR); // not close-on-exec: vmlet and its monitor inherit it
    ASSERT_GE(tap, 0);
    ifreq request {};
    std::strcpy(request.ifr_name, "vmtestfd0");
    request.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    ASSERT_EQ(::ioctl(tap, TUNSETIFF, &request), 0);
    ASSERT_EQ(std::system("ip addr add 10.0.3.1/24 dev vmtestfd0 && ip link set vmtestfd0 up"), 0);
    OneConnection host(0x0a000301, 5000);
    auto result = boot({ "--net", fmt::format("fd={},mac=02:00:00:00:00:2b", tap), "--", "sh", "-c",
        "cat /sys/class/net/eth0/address; ip addr add 10.0.3.2/24 dev eth0 && ip link set eth0 up && echo ping-over-fd | nc 10.0.3.1 5000" });
    EXPECT_EQ(host.finish(), "ping-over-fd\n");
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    EXPECT_EQ(result.out, "02:00:00:00:00:2b\npong-from-host\n");
    ::close(tap);
    EXPECT_EQ(::if_nametoindex("vmtestfd0"), 0u) << "the tap outlived its descriptors";
}

TEST_F(GuestNetwork, DescriptorThatIsNotATapIsRefused)
{
    auto standard = boot({ "--net", "fd=0", "--", "true" });
    EXPECT_NE(standard.exit_code, 0);
    EXPECT_NE(standard.err.find("fd= takes a descriptor number of 3 or more"), std::string::npos) << standard.err;
    auto not_open = boot({ "--net", "fd=63", "--", "true" });
    EXPECT_EQ(not_open.exit_code, 125);
    EXPECT_NE(not_open.err.find("tap descriptor 63 is not open"), std::string::npos) << not_open.err;
}

TEST_F(GuestNetwork, AutoTapExistsWhileTheGuestRunsAndIsGoneAfter)
{
    std::atomic<bool> running { true }, seen_up { false };
    std::thread watcher([&] {
        while (running && !seen_up) {
            unsigned index = ::if_nametoindex("vmlet0");
            if (index != 0 && std::system("ip link show vmlet0 | grep -q ',UP'") == 0)
                seen_up = true;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    });
    auto result = boot({ "--net", "auto", "--", "sh", "-c", "ip link set eth0 up && sleep 2 && cat /sys/class/net/eth0/carrier" });
    running = false;
    watcher.join();
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "1\n");
    EXPECT_NE(result.err.find("tap vmlet0"), std::string::npos) << result.err;
    EXPECT_TRUE(seen_up) << "vmlet0 never existed, up, while the guest ran";
    EXPECT_EQ(::if_nametoindex("vmlet0"), 0u) << "the tap outlived vmlet";
}

TEST_F(GuestNetwork, MissingTapIsRefusedBeforeBoot)
{
    auto result = boot({ "--net", "tap=nosuchtap0", "--", "true" });
    EXPECT_EQ(result.exit_code, 125);
    EXPECT_NE(result.err.find("nosuchtap0"), std::string::npos) << result.err;
    EXPECT_EQ(::if_nametoindex("nosuchtap0"), 0u) << "vmlet created the tap it was told exists";
}

TEST_F(RealGuest, GuestVsockConnectionReachesTheHostListener)
{
    TemporaryDirectory directory;
    auto socket_path = directory.file("v.sock");
    int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    auto address = UnixStream::address(socket_path + "_5000");
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    ASSERT_EQ(::listen(listener, 1), 0);
    std::string received;
    std::thread host([&] {
        auto until = std::chrono::steady_clock::now() + UnixStream::kDeadline;
        if (!UnixStream::wait(listener, POLLIN, until))
            return;
        UnixStream connection(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
        if (connection.fd() < 0)
            return;
        received = connection.read_until("", until); // up to the guest's end of input
        connection.write_all("pong-from-host\n");
    });
    auto result = boot({ "--vsock", "cid=7,uds=" + socket_path, "--", "sh", "-c", "echo ping-from-guest | vsockcat connect 5000" });
    ::shutdown(listener, SHUT_RDWR);
    host.join();
    ::close(listener);
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    EXPECT_EQ(result.out, "pong-from-host\n");
    EXPECT_EQ(received, "ping-from-guest\n");
    EXPECT_NE(::access(socket_path.c_str(), F_OK), 0) << "vmlet left its vsock socket behind";
}

TEST_F(RealGuest, HostVsockClientReachesTheGuestListener)
{
    TemporaryDirectory directory;
    auto socket_path = directory.file("v.sock");
    std::string ok_line, received;
    std::thread host([&] {
        // vmlet creates the socket when it starts and the guest listens once it has booted: until
        // then a CONNECT ends without "OK", so the client tries again, as a real one would.
        auto until = std::chrono::steady_clock::now() + UnixStream::kDeadline;
        while (std::chrono::steady_clock::now() < until) {
            UnixStream client(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
            auto address = UnixStream::address(socket_path);
            if (::connect(client.fd(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
                client.write_all("CONNECT 6000\n");
                ok_line = client.read_until("\n", until);
                if (ok_line.starts_with("OK ")) {
                    client.write_all("ping-from-host\n");
                    ::shutdown(client.fd(), SHUT_WR);
                    received = client.read_until("", until);
                    return;
                }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
    });
    auto result = boot({ "--vsock", "cid=8,uds=" + socket_path, "--", "sh", "-c", "echo pong-from-guest | vsockcat listen 6000" });
    host.join();
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    EXPECT_EQ(result.out, "ping-from-host\n");
    EXPECT_TRUE(std::regex_match(ok_line, std::regex("OK [0-9]+\n"))) << ok_line;
    EXPECT_EQ(received, "pong-from-guest\n");
}

}
