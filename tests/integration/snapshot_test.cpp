// Snapshots of real guests on KVM: `vmlet boot --api-socket`, `vmlet vm pause|resume|snapshot|stop`
// and `vmlet restore`. A restored VM goes on where it was saved: with its memory, its running
// command and its exit status; a vsock connection open at the snapshot is reset and a new one works.
#include "tests/integration/guest_log.h"
#include "tests/integration/real_guest.h"
#include "tests/support/command.h"
#include "vmm/base/unix_socket.h"

#include <poll.h>
#include <sys/socket.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

namespace vmlet::test {

namespace {

namespace fs = std::filesystem;

// Every guest run here has a deadline; PVM hosts boot in tens of seconds.
constexpr auto kGuestTimeout = std::chrono::seconds(300);

class Snapshot : public RealGuest {
protected:
    ProcessResult vmlet(std::vector<std::string> arguments)
    {
        return run_vmlet(arguments, { .timeout = kGuestTimeout, .working_directory = m_scratch.path() });
    }
    // `vmlet boot --api-socket SOCKET ARGUMENTS...` in the background, its console in `log`.
    std::unique_ptr<BackgroundProcess> boot_in_background(const std::string& log, std::vector<std::string> arguments)
    {
        std::vector<std::string> argv { vmlet_binary(), "boot", "--api-socket", api(), "--memory", "128" };
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        return std::make_unique<BackgroundProcess>(argv, log);
    }
    std::string api() const { return m_scratch.file("api.sock"); }
    std::string snapshot() const { return m_scratch.file("snap"); }

    TemporaryDirectory m_scratch;
};

}

TEST_F(Snapshot, ARestoredVmGoesOnWithItsMemoryAndReturnsItsCommandsStatus)
{
    auto log = m_scratch.file("boot.log");
    // The guest writes a file in its RAM (the initramfs is a tmpfs) before it is saved, and reads it
    // after: the restored VM has the memory the original had.
    auto vm = boot_in_background(log, { "--", "sh", "-c", "echo remembered > /tmp/note; echo saved-here; sleep 8; cat /tmp/note; echo done; exit 7" });
    ASSERT_TRUE(wait_for_text(log, "saved-here", kGuestTimeout)) << read_text(log);
    auto saved = vmlet({ "vm", "snapshot", api(), snapshot() });
    ASSERT_EQ(saved.exit_code, 0) << saved.err;
    EXPECT_EQ(vmlet({ "vm", "stop", api() }).exit_code, 0);
    for (int i = 0; i < 100 && vm->running(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(vm->running());
    EXPECT_TRUE(fs::exists(snapshot() + "/state"));
    // Sparse: the guest used a few MiB of its 128.
    EXPECT_LT(fs::file_size(snapshot() + "/memory") / 4, 128ull << 20);

    // The guest was saved in its sleep: what it prints after comes from the restored VM only.
    auto restored = vmlet({ "restore", snapshot() });
    EXPECT_EQ(restored.exit_code, 7) << restored.err;
    EXPECT_EQ(restored.out, "remembered\ndone\n");
    // Twice: a snapshot is a template, not used up by a restore.
    auto again = vmlet({ "restore", snapshot() });
    EXPECT_EQ(again.exit_code, 7) << again.err;
    EXPECT_EQ(again.out, "remembered\ndone\n");
}

TEST_F(Snapshot, ARunningCommandSurvivesPauseAndResume)
{
    auto log = m_scratch.file("boot.log");
    auto vm = boot_in_background(log, { "--", "sh", "-c", "i=0; while [ $i -lt 40 ]; do echo tick $i; sleep 0.1; i=$((i+1)); done; echo finished" });
    ASSERT_TRUE(wait_for_text(log, "tick 3", kGuestTimeout)) << read_text(log);
    ASSERT_EQ(vmlet({ "vm", "pause", api() }).exit_code, 0);
    EXPECT_EQ(vmlet({ "vm", "status", api() }).out.rfind("paused", 0), 0u);
    auto paused_at = read_text(log);
    std::this_thread::sleep_for(std::chrono::seconds(2));
    EXPECT_EQ(read_text(log), paused_at) << "the guest ran while paused";
    ASSERT_EQ(vmlet({ "vm", "resume", api() }).exit_code, 0);
    EXPECT_EQ(vmlet({ "vm", "status", api() }).out.rfind("running", 0), 0u);
    EXPECT_TRUE(wait_for_text(log, "finished", kGuestTimeout)) << read_text(log);
    EXPECT_NE(read_text(log).find("tick 39"), std::string::npos);
}

// A host listener for guest connections to port 5000 of the vsock device at `socket`.
class VsockListener {
public:
    explicit VsockListener(const std::string& socket)
        : m_path(socket + "_5000")
    {
        m_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        auto address = unix_socket_address(m_path).value();
        EXPECT_EQ(::bind(m_fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
        EXPECT_EQ(::listen(m_fd, 4), 0);
    }
    ~VsockListener()
    {
        ::close(m_fd);
        ::unlink(m_path.c_str());
    }
    // The next connection, within `timeout`; -1 without one.
    int accept(std::chrono::seconds timeout)
    {
        pollfd ready { m_fd, POLLIN, 0 };
        if (::poll(&ready, 1, int(std::chrono::milliseconds(timeout).count())) != 1)
            return -1;
        return ::accept4(m_fd, nullptr, nullptr, SOCK_CLOEXEC);
    }

private:
    std::string m_path;
    int m_fd { -1 };
};

TEST_F(Snapshot, AVsockConnectionOpenAtTheSnapshotIsResetAndANewOneWorks)
{
    auto before = m_scratch.file("a.sock"), after = m_scratch.file("b.sock");
    VsockListener first_host(before);
    auto log = m_scratch.file("boot.log");
    auto vm = boot_in_background(log, { "--vsock", "cid=3,uds=" + before, "--", "sh", "-c",
                                          "vsockcat connect 5000 < /dev/null; echo first-ended; echo second | vsockcat connect 5000; echo done" });
    int held = first_host.accept(kGuestTimeout);
    ASSERT_GE(held, 0) << read_text(log);
    ASSERT_EQ(vmlet({ "vm", "snapshot", api(), snapshot() }).exit_code, 0);
    EXPECT_EQ(vmlet({ "vm", "stop", api() }).exit_code, 0);
    ::close(held);

    VsockListener second_host(after);
    std::string received;
    std::thread host([&] {
        int connection = second_host.accept(kGuestTimeout);
        char buffer[64];
        for (ssize_t count; connection >= 0 && (count = ::read(connection, buffer, sizeof buffer)) > 0;)
            received.append(buffer, size_t(count));
        if (connection >= 0)
            ::close(connection);
    });
    auto restored = vmlet({ "restore", snapshot(), "--vsock", "cid=3,uds=" + after });
    host.join();
    EXPECT_EQ(restored.exit_code, 0) << restored.err;
    EXPECT_NE(restored.out.find("first-ended"), std::string::npos) << restored.out;
    EXPECT_NE(restored.out.find("done"), std::string::npos) << restored.out;
    EXPECT_EQ(received, "second\n");
}

TEST_F(Snapshot, CorruptTruncatedAndMismatchedSnapshotsAreRefused)
{
    auto log = m_scratch.file("boot.log");
    auto vm = boot_in_background(log, { "--", "sh", "-c", "echo saved-here; sleep 999" });
    ASSERT_TRUE(wait_for_text(log, "saved-here", kGuestTimeout)) << read_text(log);
    ASSERT_EQ(vmlet({ "vm", "snapshot", api(), snapshot() }).exit_code, 0);
    EXPECT_EQ(vmlet({ "vm", "stop", api() }).exit_code, 0);

    auto state = read_text(snapshot() + "/state");
    auto variant = [&](const std::string& name, const std::string& state_bytes, uint64_t memory_bytes) {
        auto directory = m_scratch.file(name);
        fs::create_directory(directory);
        std::ofstream(directory + "/state", std::ios::binary) << state_bytes;
        fs::copy_file(snapshot() + "/memory", directory + "/memory");
        fs::resize_file(directory + "/memory", memory_bytes);
        return directory;
    };
    auto memory = fs::file_size(snapshot() + "/memory");
    auto flipped = state;
    flipped[state.size() / 2] = char(flipped[state.size() / 2] ^ 0x40);
    auto other_version = state;
    other_version.replace(other_version.find("0.1.0"), 5, "9.9.9");
    struct Case {
        std::string directory, message;
    } cases[] = {
        { variant("truncated", state.substr(0, state.size() / 2), memory), "is corrupt" },
        { variant("altered", flipped, memory), "is corrupt" },
        { variant("newer", other_version, memory), "was written by vmlet 9.9.9" },
        { variant("short-memory", state, memory / 2), "the snapshot's guest RAM is" },
        { m_scratch.file("nothing-here"), "cannot open" },
    };
    for (const auto& refused : cases) {
        auto before = std::distance(fs::directory_iterator(m_scratch.path()), fs::directory_iterator());
        auto result = vmlet({ "restore", refused.directory });
        EXPECT_EQ(result.exit_code, 125) << refused.directory << ": " << result.err;
        EXPECT_NE(result.err.find(refused.message), std::string::npos) << result.err;
        EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
        EXPECT_EQ(std::distance(fs::directory_iterator(m_scratch.path()), fs::directory_iterator()), before) << "a refused restore left files";
    }
}

}

namespace vmlet::test {

// A VM container's template is booted with an empty share and gets its volumes at restore; a
// share the guest has mounted cannot be saved (its server's open files are this process's).
TEST_F(Snapshot, AShareIsRefusedWhileMountedAndRestoreGivesItDirectories)
{
    auto early = m_scratch.file("early");
    auto volume = m_scratch.file("volume");
    fs::create_directories(early);
    fs::create_directories(volume);
    std::ofstream(volume + "/given.txt") << "given-at-restore";
    auto log = m_scratch.file("boot.log");
    auto vm = boot_in_background(log, { "--share", ":vols", "--share", early + ":early", "--", "sh", "-c",
        "mkdir -p /early /vols && mount -t virtiofs early /early && echo is-mounted; sleep 8; umount /early && echo is-unmounted; "
        "sleep 8; mount -t virtiofs vols /vols && cat /vols/given.txt; echo; exit 5" });
    ASSERT_TRUE(wait_for_text(log, "is-mounted", kGuestTimeout)) << read_text(log);
    auto refused = vmlet({ "vm", "snapshot", api(), snapshot() });
    EXPECT_NE(refused.exit_code, 0);
    EXPECT_NE(refused.err.find("share early is mounted in the guest"), std::string::npos) << refused.err;
    EXPECT_FALSE(fs::exists(snapshot()));
    ASSERT_TRUE(wait_for_text(log, "is-unmounted", kGuestTimeout)) << read_text(log);
    auto saved = vmlet({ "vm", "snapshot", api(), snapshot() });
    ASSERT_EQ(saved.exit_code, 0) << saved.err;
    EXPECT_EQ(vmlet({ "vm", "stop", api() }).exit_code, 0);
    for (int i = 0; i < 100 && vm->running(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));

    auto unknown = vmlet({ "restore", snapshot(), "--share", volume + ":nosuch" });
    EXPECT_EQ(unknown.exit_code, 125);
    EXPECT_NE(unknown.err.find("the snapshot has no share tagged 'nosuch'"), std::string::npos) << unknown.err;
    auto restored = vmlet({ "restore", snapshot(), "--share", volume + ":vols" });
    EXPECT_EQ(restored.exit_code, 5) << restored.err << restored.out;
    EXPECT_NE(restored.out.find("given-at-restore"), std::string::npos) << restored.out;
}

}
