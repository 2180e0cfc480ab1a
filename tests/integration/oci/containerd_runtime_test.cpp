// containerd running its containers with vmlet-runtime (containerd_driver.h), in process isolation.

#include "tests/integration/oci/containerd_driver.h"
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


// The container cgroups (vmlet_cgroups()) named `leaves`.
std::vector<std::string> vmlet_cgroups_of(const std::set<std::string>& leaves)
{
    std::vector<std::string> found;
    for (auto& cgroup : vmlet_cgroups())
        if (leaves.contains(fs::path(cgroup).filename().string()))
            found.push_back(std::move(cgroup));
    return found;
}

class ContainerdRuntimeTest : public ContainerdDriver {
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
    EXPECT_EQ(vmlet_cgroups_of(cgroups), std::vector<std::string> {});
}

}
}
