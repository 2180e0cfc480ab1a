// The virtio devices seen from a real guest on KVM: bytes on the host's image files, the guest's
// /dev/hwrng, hvc0, and TCP over a tap inside a network namespace this test makes for itself.
#include "tests/integration/real_guest.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdlib>
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
    int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(listener, 0);
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_port = htons(5000);
    address.sin_addr.s_addr = htonl(0x0a000201);
    int yes = 1;
    ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    ASSERT_EQ(::listen(listener, 1), 0);
    std::string received;
    std::thread host([&] {
        int connection = ::accept(listener, nullptr, nullptr);
        if (connection < 0)
            return;
        char buffer[256];
        ssize_t count = ::read(connection, buffer, sizeof(buffer));
        if (count > 0)
            received.assign(buffer, size_t(count));
        std::string reply = "pong-from-host\n";
        (void)!::write(connection, reply.data(), reply.size());
        ::close(connection);
    });
    auto result = boot({ "--net", "tap=vmtest0,mac=02:00:00:00:00:2a", "--", "sh", "-c",
        "cat /sys/class/net/eth0/address; ip addr add 10.0.2.2/24 dev eth0 && ip link set eth0 up && echo ping-from-guest | nc 10.0.2.1 5000" });
    ::shutdown(listener, SHUT_RDWR);
    host.join();
    ::close(listener);
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    EXPECT_EQ(result.out, "02:00:00:00:00:2a\npong-from-host\n");
    EXPECT_EQ(received, "ping-from-guest\n");
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

}
