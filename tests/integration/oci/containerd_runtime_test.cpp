// containerd 1.6 from Debian running its containers with vmlet-runtime in runc's place: ctr's
// --runc-binary makes containerd-shim-runc-v2 call it as it calls runc (--root, --log,
// --log-format json; create --pid-file, start, exec --detach, ps --format json, kill, delete).
// The daemon is each test's own: its root, state, socket, FIFOs and runc root are under the test's
// directory, it has no CRI plugin, and this test process has a network namespace of its own
// (own_network_namespace.h).

#include "tests/integration/oci/runtime_driver.h"
#include "tests/integration/vmlet_process.h"
#include "tests/support/command.h"
#include "tests/support/oci_image_builder.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

namespace vmlet::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kImage = "localhost/vmlet-ctr-test:1";
constexpr const char* kNamespace = "vmlet-test";
constexpr const char* kProcess = "io.vmlet.isolation=process";

// The directories of the cgroups named `leaves` that are below a vmlet/ cgroup, in each hierarchy.
std::vector<fs::path> vmlet_cgroups(const std::set<std::string>& leaves)
{
    std::vector<fs::path> found;
    std::error_code error;
    for (auto entry = fs::recursive_directory_iterator("/sys/fs/cgroup", fs::directory_options::skip_permission_denied, error);
         entry != fs::recursive_directory_iterator(); entry.increment(error)) {
        if (entry.depth() > 6 || error) {
            entry.disable_recursion_pending();
            continue;
        }
        if (entry->is_directory() && entry->path().parent_path().filename() == "vmlet" && leaves.contains(entry->path().filename()))
            found.push_back(entry->path());
    }
    return found;
}

// The live processes whose command line names `directory`, with it (NULs as spaces).
std::vector<std::string> processes_naming(const std::string& directory)
{
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator("/proc")) {
        auto command = read_text(entry.path() / "cmdline");
        std::ranges::replace(command, '\0', ' ');
        if (command.find(directory) != std::string::npos)
            found.push_back(entry.path().filename().string() + ": " + command);
    }
    return found;
}

class ContainerdRuntimeTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (::geteuid() != 0)
            GTEST_SKIP() << "containerd runs its containers as root";
        ASSERT_TRUE(fs::exists("/usr/bin/containerd")) << "scripts/setup.sh installs containerd";
        m_made_shim_directory = !fs::exists("/run/containerd");
        std::ofstream(m_home.file("config.toml")) << fmt::format(R"(version = 2
root = "{0}/root"
state = "{0}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "{1}"

[plugins."io.containerd.internal.v1.opt"]
  path = "{0}/opt"
)",
            m_home.path(), socket());
        m_daemon.emplace(std::vector<std::string> { "/usr/bin/containerd", "--config", m_home.file("config.toml") }, log_path());
        for (int tries = 0; tries < 500 && !fs::is_socket(socket()) && m_daemon->running(); ++tries)
            std::this_thread::sleep_for(20ms);
        ASSERT_TRUE(fs::is_socket(socket())) << read_text(log_path());

        write_docker_save_archive(m_home.file("image.tar"), ImageSpec {}, kImage);
        auto imported = ctr({ "images", "import", m_home.file("image.tar") });
        ASSERT_EQ(imported.exit_code, 0) << imported.err;
    }

    void TearDown() override
    {
        if (!m_daemon)
            return;
        // Whatever a failed test left: shims outlive containerd, so their tasks go first.
        for (const auto& id : m_ids) {
            ctr({ "tasks", "delete", "--force", id });
            ctr({ "containers", "delete", id });
        }
        m_daemon.reset();
        // The shim puts its sockets in /run/containerd/s whatever containerd's state directory is:
        // the directories go again if this test made them (remove() leaves one that is not empty).
        if (m_made_shim_directory) {
            std::error_code ignored;
            fs::remove("/run/containerd/s", ignored);
            fs::remove("/run/containerd", ignored);
        }
        // No mount of a container's snapshot is left, nor a process: a shim, or a container
        // process of vmlet-runtime's (their command lines name this test's directory). A shim
        // exits soon after its task's delete.
        EXPECT_EQ(read_text("/proc/self/mountinfo").find(m_home.path()), std::string::npos);
        for (int tries = 0; tries < 50 && !processes_naming(m_home.path()).empty(); ++tries)
            std::this_thread::sleep_for(100ms);
        EXPECT_EQ(processes_naming(m_home.path()), std::vector<std::string> {});
        // containerd's cgroupsPath is /NAMESPACE/ID: the runtime removes the container's, as runc
        // does, and the namespace's parent goes here, once empty.
        for (const auto& hierarchy : fs::directory_iterator("/sys/fs/cgroup")) {
            for (const auto& id : m_ids)
                EXPECT_FALSE(fs::exists(hierarchy.path() / kNamespace / id)) << hierarchy.path();
            std::error_code ignored;
            fs::remove(hierarchy.path() / kNamespace, ignored);
        }
    }

    ProcessResult ctr(std::vector<std::string> arguments, ProcessOptions options = {})
    {
        arguments.insert(arguments.begin(), { "--address", socket(), "--namespace", kNamespace });
        options.binary = "/usr/bin/ctr";
        options.timeout = 60s;
        return run_vmlet(arguments, options);
    }

    // `ctr run` of kImage as `id` with vmlet-runtime, in process isolation; `mode` is --rm or -d.
    ProcessResult run(const std::string& mode, const std::string& id, const std::vector<std::string>& command)
    {
        m_ids.push_back(id);
        std::vector<std::string> arguments { "run", mode, "--fifo-dir", fifo_directory(), "--runc-binary", vmlet_runtime_binary(),
            "--runc-root", m_home.file("runc"), "--annotation", kProcess, kImage, id };
        arguments.insert(arguments.end(), command.begin(), command.end());
        return ctr(arguments);
    }

    // STATUS in `ctr tasks ls` (TASK PID STATUS); empty when the container has no task.
    std::string task_status(const std::string& id)
    {
        std::istringstream lines(ctr({ "tasks", "ls" }).out);
        for (std::string line; std::getline(lines, line);) {
            std::istringstream fields(line);
            std::string name, pid, status;
            if (fields >> name >> pid >> status && name == id)
                return status;
        }
        return {};
    }

    std::string socket() const { return m_home.file("containerd.sock"); }
    std::string log_path() const { return m_home.file("containerd.log"); }
    std::string fifo_directory() const { return m_home.file("fifo"); }

    TemporaryDirectory m_home;
    std::optional<BackgroundProcess> m_daemon;
    bool m_made_shim_directory { false };
    std::vector<std::string> m_ids;
};

TEST_F(ContainerdRuntimeTest, RunGivesTheOutputAndTheExitStatus)
{
    auto ran = run("--rm", "once", { "sh", "-c", "echo hello; echo to-err >&2; exit 5" });
    EXPECT_EQ(ran.exit_code, 5) << ran.err << read_text(log_path());
    EXPECT_EQ(ran.out, "hello\n");
    EXPECT_NE(ran.err.find("to-err"), std::string::npos) << ran.err;
    EXPECT_EQ(ctr({ "containers", "ls", "--quiet" }).out, ""); // --rm
}

TEST_F(ContainerdRuntimeTest, ADetachedTaskTakesExecPsKillAndDelete)
{
    auto ran = run("-d", "life", { "sh", "-c", "trap 'exit 7' TERM; while :; do sleep 0.1; done" });
    ASSERT_EQ(ran.exit_code, 0) << ran.err << read_text(log_path());
    ASSERT_EQ(task_status("life"), "RUNNING");

    auto exec = ctr({ "tasks", "exec", "--exec-id", "probe", "--fifo-dir", fifo_directory(), "life", "sh", "-c", "echo in-exec; exit 6" });
    EXPECT_EQ(exec.exit_code, 6) << exec.err;
    EXPECT_EQ(exec.out, "in-exec\n");

    // The shim lists what `vmlet-runtime ps --format json` gives, the container's processes: its
    // shell among them, in cgroups of the container's own (the host sees their whole paths) that
    // go with it.
    auto ps = ctr({ "tasks", "ps", "life" });
    ASSERT_EQ(ps.exit_code, 0) << ps.err;
    bool shell_listed = false;
    std::set<std::string> cgroups;
    std::istringstream listed(ps.out);
    for (std::string line; std::getline(listed, line);) {
        auto proc = "/proc/" + line.substr(0, line.find(' '));
        shell_listed = shell_listed || read_text(proc + "/cmdline").find("trap") != std::string::npos;
        std::istringstream memberships(read_text(proc + "/cgroup"));
        for (std::string membership; std::getline(memberships, membership);)
            if (auto at = membership.rfind("/vmlet/"); at != std::string::npos)
                cgroups.insert(membership.substr(at + 7));
    }
    EXPECT_TRUE(shell_listed) << ps.out;
    EXPECT_FALSE(cgroups.empty()) << ps.out;

    ASSERT_EQ(ctr({ "tasks", "kill", "life" }).exit_code, 0); // SIGTERM
    for (int tries = 0; tries < 300 && task_status("life") == "RUNNING"; ++tries)
        std::this_thread::sleep_for(100ms);
    EXPECT_EQ(task_status("life"), "STOPPED");
    auto deleted = ctr({ "tasks", "delete", "life" });
    EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
    EXPECT_NE(deleted.err.find("exit code 7"), std::string::npos) << deleted.err;
    EXPECT_EQ(ctr({ "containers", "delete", "life" }).exit_code, 0);
    EXPECT_EQ(ctr({ "tasks", "ls", "--quiet" }).out, "");
    EXPECT_EQ(vmlet_cgroups(cgroups), std::vector<fs::path> {});
}

}
}
