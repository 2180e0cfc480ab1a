// The monitor's own defences, seen from outside while a real guest runs (README, "Security"):
// every thread of vmlet-vmm is under a seccomp filter and can gain no privileges; with --jail it
// runs as nobody with no capabilities, in mount and network namespaces of its own whose root holds
// only what it was shown, and it still reaches the host's vsock listeners and saves snapshots
// where it may, and nowhere else.
#include "tests/integration/guest_log.h"
#include "tests/integration/real_guest.h"
#include "tests/support/command.h"
#include "vmm/base/unix_socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

namespace vmlet::test {

namespace {

namespace fs = std::filesystem;

// Every guest run here has a deadline; PVM hosts boot in tens of seconds.
constexpr auto kGuestTimeout = std::chrono::seconds(300);

// vmlet-vmm's default --jail-uid and --jail-gid.
constexpr uid_t kNobody = 65534;

// The value of `field` in a /proc status file ("Seccomp", "Uid", ...), inner tabs as the kernel wrote them.
std::string status_field(const std::string& status_file, const std::string& field)
{
    auto text = read_text(status_file);
    auto at = text.find("\n" + field + ":\t");
    if (at == std::string::npos)
        return "(no " + field + ")";
    at += field.size() + 3;
    auto value = text.substr(at, text.find('\n', at) - at);
    // "Groups:" ends its list with a space, also an empty one.
    return value.substr(0, value.find_last_not_of(' ') + 1);
}

std::string namespace_of(const std::string& pid, const char* kind)
{
    return fs::read_symlink(fmt::format("/proc/{}/ns/{}", pid, kind)).string();
}

class MonitorSandbox : public RealGuest {
protected:
    ProcessResult vmlet(std::vector<std::string> arguments)
    {
        return run_vmlet(arguments, { .timeout = kGuestTimeout, .working_directory = m_scratch.path() });
    }

    // `vmlet boot --api-socket SOCKET ARGUMENTS... -- sh -c COMMAND` in the background, its console
    // in boot.log, once the guest has printed "guest-is-up".
    std::unique_ptr<BackgroundProcess> boot_until_up(std::vector<std::string> arguments, const std::string& command)
    {
        std::vector<std::string> argv { vmlet_binary(), "boot", "--api-socket", api(), "--memory", "128" };
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        argv.insert(argv.end(), { "--", "sh", "-c", command });
        auto vm = std::make_unique<BackgroundProcess>(argv, log());
        EXPECT_TRUE(wait_for_text(log(), "guest-is-up", kGuestTimeout)) << read_text(log());
        return vm;
    }

    // The monitor's pid, as its control socket reports it ("running (pid 4242, ...").
    std::string monitor_pid()
    {
        auto status = vmlet({ "vm", "status", api() });
        auto at = status.out.find("(pid ");
        if (at == std::string::npos)
            return "(no pid in: " + status.out + status.err + ")";
        at += 5;
        return status.out.substr(at, status.out.find(',', at) - at);
    }

    void stop(BackgroundProcess& vm)
    {
        EXPECT_EQ(vmlet({ "vm", "stop", api() }).exit_code, 0);
        for (int i = 0; i < 200 && vm.running(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        EXPECT_FALSE(vm.running());
    }

    // A directory of the scratch one that the jail's user may use.
    std::string directory_for_nobody(const std::string& name)
    {
        auto path = m_scratch.file(name);
        fs::create_directory(path);
        EXPECT_EQ(::chown(path.c_str(), kNobody, kNobody), 0);
        return path;
    }

    std::string api() const { return m_scratch.file("api.sock"); }
    std::string log() const { return m_scratch.file("boot.log"); }

    TemporaryDirectory m_scratch;
};

// Every thread the monitor has (main, vCPU, device), each with its seccomp filter (mode 2) and
// no_new_privs; at least those three.
void expect_every_thread_filtered(const std::string& pid)
{
    size_t threads = 0;
    for (const auto& task : fs::directory_iterator("/proc/" + pid + "/task")) {
        auto status = task.path().string() + "/status";
        EXPECT_EQ(status_field(status, "Seccomp"), "2") << status_field(status, "Name") << " " << task.path();
        EXPECT_EQ(status_field(status, "NoNewPrivs"), "1") << status_field(status, "Name") << " " << task.path();
        ++threads;
    }
    EXPECT_GE(threads, 3u);
}

// A host listener for guest connections to port 5000 of the vsock device at `socket`, which the
// jail's user may connect to.
class NobodysVsockListener {
public:
    explicit NobodysVsockListener(const std::string& socket)
    {
        auto path = socket + "_5000";
        m_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        auto address = unix_socket_address(path).value();
        EXPECT_EQ(::bind(m_fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
        EXPECT_EQ(::listen(m_fd, 4), 0);
        EXPECT_EQ(::chown(path.c_str(), kNobody, kNobody), 0);
    }
    ~NobodysVsockListener() { ::close(m_fd); }

    // What the first connection sends until it closes, within `timeout`.
    std::string receive(std::chrono::seconds timeout)
    {
        pollfd ready { m_fd, POLLIN, 0 };
        if (::poll(&ready, 1, int(std::chrono::milliseconds(timeout).count())) != 1)
            return "(no connection)";
        int connection = ::accept4(m_fd, nullptr, nullptr, SOCK_CLOEXEC);
        std::string received;
        char buffer[64];
        for (ssize_t count; connection >= 0 && (count = ::read(connection, buffer, sizeof buffer)) > 0;)
            received.append(buffer, size_t(count));
        ::close(connection);
        return received;
    }

private:
    int m_fd { -1 };
};

}

TEST_F(MonitorSandbox, EveryThreadOfARunningMonitorIsFilteredAndGainsNoPrivileges)
{
    auto vm = boot_until_up({}, "echo guest-is-up; sleep 1000");
    auto pid = monitor_pid();
    expect_every_thread_filtered(pid);
    stop(*vm);
}

TEST_F(MonitorSandbox, AJailedMonitorIsNobodyWithNoCapabilitiesAndSeesOnlyWhatItNeeds)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "--jail needs root";
    auto vsock = directory_for_nobody("vsock") + "/v.sock";
    auto snapshots = directory_for_nobody("snapshots");
    NobodysVsockListener host(vsock);
    auto vm = boot_until_up({ "--jail", "--snapshot-dir", snapshots, "--vsock", "cid=3,uds=" + vsock },
        "echo guest-is-up; echo through-the-jail | vsockcat connect 5000; sleep 1000");
    auto pid = monitor_pid();
    auto status = "/proc/" + pid + "/status";
    expect_every_thread_filtered(pid);
    EXPECT_EQ(status_field(status, "Uid"), "65534\t65534\t65534\t65534");
    EXPECT_EQ(status_field(status, "Gid"), "65534\t65534\t65534\t65534");
    EXPECT_EQ(status_field(status, "Groups"), "");
    for (const char* set : { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" })
        EXPECT_EQ(status_field(status, set), "0000000000000000") << set;
    EXPECT_NE(namespace_of(pid, "mnt"), namespace_of("self", "mnt"));
    EXPECT_NE(namespace_of(pid, "net"), namespace_of("self", "net"));
    // Not dumpable: its memory stays root's, not its own user's (proc(5), /proc/pid/mem).
    struct stat memory {};
    EXPECT_EQ(::stat(("/proc/" + pid + "/mem").c_str(), &memory), 0);
    EXPECT_EQ(memory.st_uid, 0u);
    // Its root shows nothing but the way to the directories it was given and to its working
    // directory (the test's).
    std::set<std::string> top, expected;
    for (const auto& entry : fs::directory_iterator("/proc/" + pid + "/root"))
        top.insert(entry.path().filename().string());
    for (const auto& path : { fs::path(m_scratch.path()), fs::current_path() }) {
        if (path.has_relative_path())
            expected.insert(path.relative_path().begin()->string());
    }
    EXPECT_EQ(top, expected);
    EXPECT_FALSE(fs::exists("/proc/" + pid + "/root/etc"));
    EXPECT_FALSE(fs::exists("/proc/" + pid + "/root" + m_scratch.file("boot.log")));

    // The guest's connection reached the host's listener through the jail.
    EXPECT_EQ(host.receive(kGuestTimeout), "through-the-jail\n");
    // Snapshots: in the directory it was given, and nowhere else.
    auto inside = vmlet({ "vm", "snapshot", api(), snapshots + "/saved" });
    EXPECT_EQ(inside.exit_code, 0) << inside.err;
    EXPECT_TRUE(fs::exists(snapshots + "/saved/state"));
    auto outside = vmlet({ "vm", "snapshot", api(), m_scratch.file("outside") });
    EXPECT_NE(outside.exit_code, 0);
    EXPECT_NE(outside.err.find("--snapshot-dir"), std::string::npos) << outside.err;
    EXPECT_FALSE(fs::exists(m_scratch.file("outside")));
    stop(*vm);
}

TEST_F(MonitorSandbox, AJailedMonitorWithAShareKeepsOnlyAFileServersCapabilities)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "--jail needs root";
    auto share = m_scratch.file("share");
    fs::create_directory(share);
    auto vm = boot_until_up({ "--jail", "--share", share + ":data" },
        "mkdir -p /s && mount -t virtiofs data /s && echo shared > /s/file && echo guest-is-up; sleep 1000");
    auto pid = monitor_pid();
    auto status = "/proc/" + pid + "/status";
    expect_every_thread_filtered(pid);
    EXPECT_EQ(status_field(status, "Uid"), "65534\t65534\t65534\t65534");
    // CAP_CHOWN 0, CAP_DAC_OVERRIDE 1, CAP_FOWNER 3, CAP_FSETID 4, CAP_SETGID 6, CAP_SETUID 7: the
    // main thread's effective set has them (its file-system user is 65534, not 0, and nothing
    // moved it: the kernel changes the effective set only when fsuid goes to or from 0).
    for (const char* set : { "CapPrm", "CapEff", "CapBnd" })
        EXPECT_EQ(status_field(status, set), "00000000000000db") << set;
    for (const char* set : { "CapInh", "CapAmb" })
        EXPECT_EQ(status_field(status, set), "0000000000000000") << set;
    std::ifstream written(share + "/file");
    std::string text;
    std::getline(written, text);
    EXPECT_EQ(text, "shared");
    stop(*vm);
}

}
