// ProcessSandbox on this host: a busybox image of two layers, run in namespaces on an overlay with cgroup
// limits. Needs root; the pure pieces (user lookup, cgroup layout, limit files) run without it.
#include "containers/runtime/cgroup/cgroup.h"
#include "containers/runtime/cgroup/cgroup_layout.h"
#include "containers/runtime/process/overlay_rootfs.h"
#include "containers/runtime/network/name_files.h"
#include "containers/runtime/process/process_sandbox.h"
#include "containers/runtime/user_lookup.h"
#include "tests/support/cgroup2_mount.h"
#include "tests/support/host_lock.h"

#include <gtest/gtest.h>

#include <optional>

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace vmlet {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto container_timeout = 20s;

std::string read_text(const std::string& path)
{
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

void write_text(const std::string& path, const std::string& text, fs::perms perms = fs::perms(0644))
{
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path) << text;
    fs::permissions(path, perms);
}

std::string read_fd(int fd)
{
    std::string text;
    char buffer[4096];
    ::lseek(fd, 0, SEEK_SET);
    ssize_t count;
    while ((count = ::read(fd, buffer, sizeof buffer)) > 0)
        text.append(buffer, static_cast<size_t>(count));
    return text;
}

// The image: a busybox base layer with users, and a layer above it with a file and a non-executable one.
class Image {
public:
    Image()
    {
        char pattern[] = "/tmp/vmlet-process-sandbox-XXXXXX";
        m_root = ::mkdtemp(pattern);
        auto base = m_root + "/layers/base";
        fs::create_directories(base + "/bin");
        fs::copy_file("/bin/busybox", base + "/bin/busybox");
        fs::permissions(base + "/bin/busybox", fs::perms(0755));
        FILE* list = ::popen("/bin/busybox --list", "r");
        char name[256];
        while (list && std::fgets(name, sizeof name, list)) {
            std::string applet(name);
            applet.erase(applet.find_last_not_of('\n') + 1);
            if (!applet.empty() && applet != "busybox")
                fs::create_symlink("busybox", base + "/bin/" + applet);
        }
        if (list)
            ::pclose(list);
        write_text(base + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n");
        write_text(base + "/etc/group", "root:x:0:\napp:x:1000:\nextra:x:2000:app\n");
        fs::create_directories(base + "/tmp");
        fs::permissions(base + "/tmp", fs::perms(01777));
        auto top = m_root + "/layers/top";
        write_text(top + "/layer2.txt", "from layer two\n");
        write_text(top + "/data/notexec.sh", "#!/bin/sh\necho should not run\n", fs::perms(0644));
        m_lowers = { top, base };
    }
    ~Image()
    {
        std::error_code ignored;
        fs::remove_all(m_root, ignored);
    }

    const std::string& root() const { return m_root; }
    const std::vector<std::string>& lowers() const { return m_lowers; }

private:
    std::string m_root;
    std::vector<std::string> m_lowers;
};

struct RunResult {
    int status { -1 };
    std::string out;
    std::string err;
};

class ProcessSandboxTest : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        if (::geteuid() == 0)
            s_image = new Image();
    }
    static void TearDownTestSuite()
    {
        delete s_image;
        s_image = nullptr;
    }
    void SetUp() override
    {
        if (::geteuid() != 0)
            GTEST_SKIP() << "ProcessSandbox needs root (namespaces, overlayfs, cgroups); run these tests as root";
        m_host_lock.emplace();
    }
    std::optional<test::HostContainersLock> m_host_lock;

    ContainerSpec spec(std::vector<std::string> args)
    {
        auto state = fmt::format("{}/containers/{}", s_image->root(), next_id());
        return { .args = std::move(args), .env = { "PATH=/bin" }, .working_dir = {}, .user = {}, .hostname = {},
            .terminal = {}, .limits = {}, .security = {}, .rootfs = { .lower_dirs = s_image->lowers(), .state_dir = state }, .mounts = {},
            .network = {}, .host_network = false, .etc_hosts = "127.0.0.1\tlocalhost\n", .etc_resolv_conf = {}, .log = {} };
    }

    std::string next_id() { return fmt::format("test-{}-{}", ::getpid(), ++s_counter); }

    std::string id_of(const ContainerSpec& container) const { return fs::path(container.rootfs.state_dir).filename(); }

    Result<std::unique_ptr<ProcessSandbox>> start(const ContainerSpec& container, int out, int err, int in = -1)
    {
        return ProcessSandbox::start(id_of(container), container, { .in = in, .out = out, .err = err });
    }

    // Waits with the test's deadline; a container still running then is killed and the test fails.
    static int wait_bounded(ProcessSandbox& sandbox)
    {
        auto status = sandbox.wait_for(container_timeout);
        EXPECT_TRUE(status.ok()) << status.error().message();
        if (status.ok() && status.value())
            return *status.value();
        ADD_FAILURE() << "container " << sandbox.id() << " still ran after the timeout; killing it";
        EXPECT_TRUE(sandbox.kill(SIGKILL).ok());
        auto killed = sandbox.wait();
        return killed.ok() ? killed.value() : -1;
    }

    // Checks what destroy() promises: no mount of the state directory and no cgroup left on the host.
    static void expect_cleaned_up(const ContainerSpec& container, const std::vector<std::string>& cgroups)
    {
        EXPECT_EQ(read_text("/proc/self/mountinfo").find(container.rootfs.state_dir), std::string::npos)
            << "a mount of " << container.rootfs.state_dir << " is left";
        for (const auto& directory : cgroups)
            EXPECT_FALSE(fs::exists(directory)) << "cgroup " << directory << " is left";
    }

    RunResult run(const ContainerSpec& container)
    {
        RunResult result;
        int out = ::memfd_create("out", MFD_CLOEXEC);
        int err = ::memfd_create("err", MFD_CLOEXEC);
        {
            auto sandbox = start(container, out, err);
            if (!sandbox.ok()) {
                ADD_FAILURE() << sandbox.error().message();
                ::close(out);
                ::close(err);
                return result;
            }
            auto cgroups = sandbox.value()->cgroup_directories();
            result.status = wait_bounded(*sandbox.value());
            auto destroyed = sandbox.value()->destroy();
            EXPECT_TRUE(destroyed.ok()) << destroyed.error().message();
            expect_cleaned_up(container, cgroups);
        }
        result.out = read_fd(out);
        result.err = read_fd(err);
        ::close(out);
        ::close(err);
        return result;
    }

    static Image* s_image;
    static int s_counter;
};

Image* ProcessSandboxTest::s_image = nullptr;
int ProcessSandboxTest::s_counter = 0;

TEST_F(ProcessSandboxTest, EchoWritesToStdout)
{
    auto result = run(spec({ "echo", "hello", "world" }));
    EXPECT_EQ(result.status, 0) << result.err;
    EXPECT_EQ(result.out, "hello world\n");
    EXPECT_EQ(result.err, "");
}

TEST_F(ProcessSandboxTest, ExitStatusIsTheCommands)
{
    auto result = run(spec({ "sh", "-c", "exit 7" }));
    EXPECT_EQ(result.status, 7) << result.err;
}

TEST_F(ProcessSandboxTest, StderrIsSeparateFromStdout)
{
    auto result = run(spec({ "sh", "-c", "echo to-out; echo to-err >&2" }));
    EXPECT_EQ(result.status, 0);
    EXPECT_EQ(result.out, "to-out\n");
    EXPECT_EQ(result.err, "to-err\n");
}

TEST_F(ProcessSandboxTest, EnvironmentIsTheSpecsPlusHome)
{
    auto container = spec({ "sh", "-c", "echo \"$GREETING|$HOME|$PATH\"" });
    container.env.push_back("GREETING=hi there");
    auto result = run(container);
    EXPECT_EQ(result.status, 0) << result.err;
    EXPECT_EQ(result.out, "hi there|/root|/bin\n");
}

TEST_F(ProcessSandboxTest, WorkingDirectoryIsCreatedAndEntered)
{
    auto container = spec({ "pwd" });
    container.working_dir = "/srv/app/data";
    auto result = run(container);
    EXPECT_EQ(result.status, 0) << result.err;
    EXPECT_EQ(result.out, "/srv/app/data\n");
}

TEST_F(ProcessSandboxTest, UserByNameFromTheImagesPasswd)
{
    auto container = spec({ "sh", "-c", "id -u; id -g; id -G; echo $HOME" });
    container.user = "app";
    auto result = run(container);
    EXPECT_EQ(result.status, 0) << result.err;
    EXPECT_EQ(result.out, "1000\n1000\n1000 2000\n/home/app\n");
}

TEST_F(ProcessSandboxTest, UserAndGroupByNumber)
{
    auto container = spec({ "sh", "-c", "id -u; id -g" });
    container.user = "4242:4343";
    auto result = run(container);
    EXPECT_EQ(result.status, 0) << result.err;
    EXPECT_EQ(result.out, "4242\n4343\n");
}

TEST_F(ProcessSandboxTest, UnknownUserNameIsAnError)
{
    auto container = spec({ "true" });
    container.user = "nobody-here";
    auto sandbox = start(container, -1, -1);
    ASSERT_FALSE(sandbox.ok());
    EXPECT_NE(sandbox.error().message().find("unable to find user nobody-here"), std::string::npos)
        << sandbox.error().message();
    expect_cleaned_up(container, {});
}

TEST_F(ProcessSandboxTest, HostnameAndEtcFiles)
{
    auto container = spec({ "sh", "-c", "hostname; cat /etc/hostname; grep -c box /etc/hosts; grep peer /etc/hosts; cat /etc/resolv.conf" });
    container.hostname = "box";
    container.etc_hosts = hosts_file(hosts_base("box", std::nullopt, {}), { { "10.1.2.3", { "peer", "alias" } } });
    container.etc_resolv_conf = "nameserver 192.0.2.53\n";
    auto result = run(container);
    EXPECT_EQ(result.status, 0) << result.err;
    EXPECT_EQ(result.out, "box\nbox\n1\n10.1.2.3\tpeer alias\nnameserver 192.0.2.53\n");
}

TEST_F(ProcessSandboxTest, SeesOnlyItsOwnProcesses)
{
    auto result = run(spec({ "sh", "-c", "sleep 5 & ls /proc | grep -E '^[0-9]+$'; echo ---; ps -o pid,comm; true" }));
    EXPECT_EQ(result.status, 0) << result.err;
    auto listing = result.out.substr(0, result.out.find("---"));
    std::istringstream lines(listing);
    std::string line;
    std::vector<int> pids;
    while (std::getline(lines, line))
        pids.push_back(std::stoi(line));
    ASSERT_FALSE(pids.empty()) << result.out;
    EXPECT_EQ(pids.front(), 1) << result.out;
    // sh, sleep, ls, grep: at most a handful, all numbered from 1 in the container's pid namespace.
    EXPECT_LE(pids.size(), 5u) << result.out;
    for (int pid : pids)
        EXPECT_LT(pid, 20) << result.out;
    EXPECT_NE(result.out.find("    1 sh"), std::string::npos) << result.out;
}

TEST_F(ProcessSandboxTest, KernelIsTheHosts)
{
    struct utsname host {};
    ASSERT_EQ(::uname(&host), 0);
    auto result = run(spec({ "uname", "-r" }));
    EXPECT_EQ(result.status, 0) << result.err;
    EXPECT_EQ(result.out, std::string(host.release) + "\n");
}

TEST_F(ProcessSandboxTest, NetworkIsLoopbackOnlyAndUp)
{
    auto result = run(spec({ "sh", "-c", "ls /sys/class/net; cat /sys/class/net/lo/flags" }));
    EXPECT_EQ(result.status, 0) << result.err;
    EXPECT_EQ(result.out.substr(0, 3), "lo\n") << result.out;
    auto flags = std::stoul(result.out.substr(3), nullptr, 16);
    EXPECT_TRUE(flags & 1) << "lo is not up: " << result.out;
}

TEST_F(ProcessSandboxTest, SysIsReadOnlyAndMountIsNotAllowed)
{
    auto result = run(spec({ "sh", "-c", "mkdir -p /mnt; mount -t tmpfs none /mnt && echo mounted; touch /sys/x && echo wrote" }));
    EXPECT_EQ(result.out, "") << "the container kept CAP_SYS_ADMIN or a writable /sys";
    EXPECT_NE(result.err.find("mount: permission denied"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("Read-only file system"), std::string::npos) << result.err;
}

TEST_F(ProcessSandboxTest, ProcHidesWhatActsOnTheHost)
{
    // Opening for writing writes nothing: safe even if the mask were missing. (This host's kernel has
    // no /proc/sysrq-trigger or /proc/kcore; /proc/sys and /proc/timer_list stand for them.)
    ASSERT_GT(read_text("/proc/timer_list").size(), 0u);
    auto result = run(spec({ "sh", "-c", "echo -n > /proc/sys/vm/drop_caches; wc -c < /proc/timer_list" }));
    EXPECT_EQ(result.out, "0\n");
    EXPECT_EQ(result.err, "sh: can't create /proc/sys/vm/drop_caches: Read-only file system\n");
}

TEST_F(ProcessSandboxTest, MissingCommandIs127)
{
    auto result = run(spec({ "no-such-command", "arg" }));
    EXPECT_EQ(result.status, 127);
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(result.err, "vmlet: exec: \"no-such-command\": executable file not found in $PATH\n");
}

TEST_F(ProcessSandboxTest, MissingPathIs127)
{
    auto result = run(spec({ "/bin/nope" }));
    EXPECT_EQ(result.status, 127);
    EXPECT_NE(result.err.find("No such file or directory"), std::string::npos) << result.err;
}

TEST_F(ProcessSandboxTest, NonExecutableFileIs126)
{
    auto result = run(spec({ "/data/notexec.sh" }));
    EXPECT_EQ(result.status, 126);
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(result.err, "vmlet: exec: \"/data/notexec.sh\": Permission denied\n");
}

TEST_F(ProcessSandboxTest, ContainersOfOneImageHaveSeparateWritableLayers)
{
    auto writer_spec = spec({ "sh", "-c", "echo mine > /written.txt; cat /layer2.txt; sleep 30" });
    int out = ::memfd_create("out", MFD_CLOEXEC);
    auto writer = start(writer_spec, out, -1);
    ASSERT_TRUE(writer.ok()) << writer.error().message();
    auto written = writer_spec.rootfs.state_dir + "/upper/written.txt";
    for (int i = 0; i < 500 && !fs::exists(written); ++i)
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(read_text(written), "mine\n");

    auto reader = run(spec({ "sh", "-c", "cat /layer2.txt; test -e /written.txt && echo seen || echo absent" }));
    EXPECT_EQ(reader.out, "from layer two\nabsent\n");
    for (const auto& lower : s_image->lowers())
        EXPECT_FALSE(fs::exists(lower + "/written.txt"));

    auto cgroups = writer.value()->cgroup_directories();
    EXPECT_TRUE(writer.value()->destroy().ok());
    expect_cleaned_up(writer_spec, cgroups);
    EXPECT_EQ(read_fd(out), "from layer two\n");
    ::close(out);
}

TEST_F(ProcessSandboxTest, LimitsAreWrittenToTheCgroup)
{
    auto container = spec({ "sleep", "30" });
    container.limits = { .memory_bytes = 64 << 20, .pids_max = 50, .cpus = 0.5 };
    auto sandbox = start(container, -1, -1);
    ASSERT_TRUE(sandbox.ok()) << sandbox.error().message();
    std::string all;
    for (const auto& directory : sandbox.value()->cgroup_directories()) {
        for (const char* file : { "memory.limit_in_bytes", "memory.max", "pids.max", "cpu.cfs_quota_us", "cpu.max" }) {
            if (fs::exists(directory + "/" + file))
                all += fmt::format("{}={}", file, read_text(directory + "/" + file));
        }
        EXPECT_NE(read_text(directory + "/cgroup.procs").find(std::to_string(sandbox.value()->pid())), std::string::npos);
    }
    EXPECT_TRUE(all.find("memory.limit_in_bytes=67108864\n") != std::string::npos || all.find("memory.max=67108864\n") != std::string::npos) << all;
    EXPECT_NE(all.find("pids.max=50\n"), std::string::npos) << all;
    EXPECT_TRUE(all.find("cpu.cfs_quota_us=50000\n") != std::string::npos || all.find("cpu.max=50000 100000\n") != std::string::npos) << all;
    EXPECT_TRUE(sandbox.value()->destroy().ok());
}

TEST_F(ProcessSandboxTest, MemoryLimitKillsTheHog)
{
    auto container = spec({ "sh", "-c", "x=$(head -c 64000000 /dev/zero | tr '\\0' a); echo survived" });
    container.limits.memory_bytes = 32 << 20;
    auto result = run(container);
    EXPECT_EQ(result.out.find("survived"), std::string::npos);
    EXPECT_NE(result.status, 0);
}

TEST_F(ProcessSandboxTest, PidsLimitStopsTheForks)
{
    auto container = spec({ "sh", "-c", "for i in $(seq 1 20); do sleep 30 & done; echo spawned-all" });
    container.limits.pids_max = 10;
    auto result = run(container);
    EXPECT_EQ(result.out.find("spawned-all"), std::string::npos) << result.out;
    EXPECT_NE(result.status, 0);
    EXPECT_NE(result.err.find("fork"), std::string::npos) << result.err;
}

TEST_F(ProcessSandboxTest, TerminalIsOneOfItsOwnDevptsAndTheControllingOne)
{
    // As runc's console: the pty is the container's /dev/pts/0, of the size asked for; the
    // sandbox relays what it shows to stdout.
    auto container = spec({ "sh", "-c", "test -t 0 && test -t 1 && echo terminal; tty; stty size; echo ok > /dev/tty" });
    container.terminal = TerminalSize { 24, 80 };
    auto result = run(container);
    EXPECT_EQ(result.status, 0) << result.err;
    EXPECT_EQ(result.out, "terminal\r\n/dev/pts/0\r\n24 80\r\nok\r\n");
}

TEST_F(ProcessSandboxTest, DestroyLeavesNoProcessMountOrCgroup)
{
    auto container = spec({ "sh", "-c", "sleep 1000 & sleep 1000 & wait" });
    auto sandbox = start(container, -1, -1);
    ASSERT_TRUE(sandbox.ok()) << sandbox.error().message();
    auto cgroups = sandbox.value()->cgroup_directories();
    ASSERT_FALSE(cgroups.empty());
    std::vector<pid_t> pids;
    for (int i = 0; i < 500 && pids.size() < 3; ++i) {
        std::this_thread::sleep_for(10ms);
        std::istringstream procs(read_text(cgroups.front() + "/cgroup.procs"));
        pids.clear();
        for (pid_t pid; procs >> pid;)
            pids.push_back(pid);
    }
    ASSERT_EQ(pids.size(), 3u) << "expected sh and two sleeps in the cgroup";
    EXPECT_NE(read_text("/proc/self/mountinfo").find(container.rootfs.state_dir + "/rootfs"), std::string::npos);

    auto destroyed = sandbox.value()->destroy();
    EXPECT_TRUE(destroyed.ok()) << destroyed.error().message();
    expect_cleaned_up(container, cgroups);
    for (pid_t pid : pids)
        EXPECT_FALSE(fs::exists(fmt::format("/proc/{}", pid))) << "process " << pid << " outlived its container";
    auto status = sandbox.value()->wait();
    ASSERT_TRUE(status.ok());
    EXPECT_EQ(status.value(), 128 + SIGKILL);
}

TEST_F(ProcessSandboxTest, InvalidIdIsRefused)
{
    auto container = spec({ "true" });
    auto sandbox = ProcessSandbox::start("../escape", container, {});
    ASSERT_FALSE(sandbox.ok());
    EXPECT_NE(sandbox.error().message().find("invalid container id"), std::string::npos);
}

// The v2 code on a real cgroup2 mount, where this host has one (a hybrid host's holds no controllers, so
// only the directories and process placement are exercised, and a limit must be refused).
TEST(CgroupV2, CreatesPlacesAndRemovesOnTheUnifiedHierarchy)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root";
    auto mount_point = test::cgroup2_mount_point();
    if (mount_point.empty())
        GTEST_SKIP() << "no cgroup2 mount on this host";
    std::string caller = read_text("/proc/self/cgroup");
    auto own = caller.substr(caller.find("0::") + 3);
    own.erase(own.find_last_not_of('\n') + 1);
    CgroupLayout layout { .version = CgroupVersion::V2, .controllers = {}, .v2_mount_point = mount_point };
    for (auto name : cgroup_controller_names)
        layout.controllers.push_back({ .name = std::string(name), .caller_dir = mount_point + (own == "/" ? "" : own) });
    auto available = read_text(layout.controllers.front().caller_dir + "/cgroup.controllers");

    auto id = fmt::format("v2-test-{}", ::getpid());
    auto cgroup = Cgroup::create(layout, id, {}, DeviceAccess::All);
    ASSERT_TRUE(cgroup.ok()) << cgroup.error().message();
    ASSERT_EQ(cgroup.value().directories().size(), 1u);
    auto directory = cgroup.value().directories().front();
    EXPECT_TRUE(fs::is_directory(directory));
    pid_t child = ::fork();
    if (child == 0) {
        ::pause();
        ::_exit(0);
    }
    EXPECT_TRUE(cgroup.value().add_process(child).ok());
    EXPECT_EQ(read_text(directory + "/cgroup.procs"), fmt::format("{}\n", child));
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    EXPECT_TRUE(cgroup.value().remove().ok());
    EXPECT_FALSE(fs::exists(directory));

    if (available.find("memory") == std::string::npos) {
        auto limited = Cgroup::create(layout, id, { .memory_bytes = 1 << 20, .pids_max = {}, .cpus = {} }, DeviceAccess::All);
        ASSERT_FALSE(limited.ok());
        EXPECT_NE(limited.error().message().find("controller memory is not available"), std::string::npos)
            << limited.error().message();
    }
}

// The pure pieces, no root needed.

TEST(UserLookup, FollowsRuncsRules)
{
    std::string passwd = "root:x:0:0:root:/root:/bin/sh\n# comment\napp:x:1000:1001::/home/app:/bin/sh\n";
    std::string group = "root:x:0:\nstaff:x:1001:\nwheel:x:10:app,other\n";
    auto root = resolve_exec_user("", passwd, group);
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(root.value().uid, 0u);
    EXPECT_EQ(root.value().home, "/root");
    auto app = resolve_exec_user("app", passwd, group);
    ASSERT_TRUE(app.ok());
    EXPECT_EQ(app.value().uid, 1000u);
    EXPECT_EQ(app.value().gid, 1001u);
    EXPECT_EQ(app.value().supplementary_gids, (std::vector<uint32_t> { 1001, 10 }));
    auto by_uid = resolve_exec_user("1000:wheel", passwd, group);
    ASSERT_TRUE(by_uid.ok());
    EXPECT_EQ(by_uid.value().gid, 10u);
    EXPECT_EQ(by_uid.value().supplementary_gids, (std::vector<uint32_t> { 10 }));
    auto unknown_number = resolve_exec_user("77:88", std::nullopt, std::nullopt);
    ASSERT_TRUE(unknown_number.ok());
    EXPECT_EQ(unknown_number.value().uid, 77u);
    EXPECT_EQ(unknown_number.value().gid, 88u);
    EXPECT_EQ(unknown_number.value().home, "/");
    EXPECT_FALSE(resolve_exec_user("ghost", passwd, group).ok());
    EXPECT_FALSE(resolve_exec_user("app:ghosts", passwd, group).ok());
    EXPECT_FALSE(resolve_exec_user(":10", passwd, group).ok());
}

TEST(CgroupLayout, V1WithControllersMountedApartOrTogether)
{
    std::string mountinfo = "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
                            "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
                            "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
                            "39 31 0:36 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
                            "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";
    std::string cgroups = "8:pids:/\n4:memory:/job/42\n1:cpu,cpuacct:/\n0::/\n";
    auto layout = find_cgroup_layout(mountinfo, cgroups);
    ASSERT_TRUE(layout.ok()) << layout.error().message();
    EXPECT_EQ(layout.value().version, CgroupVersion::V1);
    ASSERT_EQ(layout.value().controllers.size(), 3u);
    EXPECT_EQ(layout.value().controllers[0].caller_dir, "/sys/fs/cgroup/memory/job/42");
    EXPECT_EQ(layout.value().controllers[1].caller_dir, "/sys/fs/cgroup/pids");
    EXPECT_EQ(layout.value().controllers[2].caller_dir, "/sys/fs/cgroup/cpu,cpuacct");
}

TEST(CgroupLayout, PureV2AndAMountShowingASubtree)
{
    std::string mountinfo = "30 23 0:26 /user.slice /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
    auto layout = find_cgroup_layout(mountinfo, "0::/user.slice/session-3.scope\n");
    ASSERT_TRUE(layout.ok()) << layout.error().message();
    EXPECT_EQ(layout.value().version, CgroupVersion::V2);
    EXPECT_EQ(layout.value().v2_mount_point, "/sys/fs/cgroup");
    EXPECT_EQ(layout.value().controllers.front().caller_dir, "/sys/fs/cgroup/session-3.scope");
    EXPECT_FALSE(find_cgroup_layout("22 27 0:21 / /proc rw - proc proc rw\n", "0::/\n").ok());
}

TEST(CgroupLimits, FilesForBothVersions)
{
    ResourceLimits limits { .memory_bytes = 1 << 20, .pids_max = 10, .cpus = 1.5 };
    auto v2 = cgroup_limit_files(CgroupVersion::V2, limits);
    std::vector<std::pair<std::string, std::string>> expected_v2 = { { "memory.max", "1048576" },
        { "memory.swap.max", "0" }, { "pids.max", "10" }, { "cpu.max", "150000 100000" } };
    EXPECT_EQ(v2, expected_v2);
    auto v1 = cgroup_limit_files(CgroupVersion::V1, limits);
    std::vector<std::pair<std::string, std::string>> expected_v1 = { { "memory.limit_in_bytes", "1048576" },
        { "memory.memsw.limit_in_bytes", "1048576" }, { "pids.max", "10" }, { "cpu.cfs_period_us", "100000" },
        { "cpu.cfs_quota_us", "150000" } };
    EXPECT_EQ(v1, expected_v1);
}

TEST(OverlayOptions, LayersTopmostFirstAndBadPathsRefused)
{
    RootfsSpec rootfs { .lower_dirs = { "/l/top", "/l/base" }, .state_dir = "/s/c1" };
    auto options = overlay_mount_options(rootfs);
    ASSERT_TRUE(options.ok());
    EXPECT_EQ(options.value(), "lowerdir=/l/top:/l/base,upperdir=/s/c1/upper,workdir=/s/c1/work");
    rootfs.lower_dirs.push_back("/l/a,b");
    EXPECT_FALSE(overlay_mount_options(rootfs).ok());
    EXPECT_FALSE(overlay_mount_options({ .lower_dirs = {}, .state_dir = "/s" }).ok());
}

}

}
