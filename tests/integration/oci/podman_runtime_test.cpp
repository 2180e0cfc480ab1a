// podman running its containers with vmlet-runtime (podman_driver.h), in process isolation.

#include "tests/integration/oci/oci_bundle.h"
#include "tests/integration/oci/podman_driver.h"
#include "tests/integration/oci/runtime_driver.h"
#include "tests/integration/vmlet_process.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace vmlet::test {
namespace {

using namespace std::chrono_literals;

class PodmanRuntimeTest : public PodmanDriver {
};

TEST_F(PodmanRuntimeTest, RunGivesTheOutputAndTheExitStatus)
{
    auto run = podman({ "run", "--rm", "--annotation", kProcess, kImage, "sh", "-c", "echo hello; echo to-err >&2; exit 5" });
    EXPECT_EQ(run.exit_code, 5) << run.err;
    EXPECT_EQ(run.out, "hello\n");
    EXPECT_NE(run.err.find("to-err"), std::string::npos);
    EXPECT_EQ(podman({ "ps", "--all", "--quiet" }).out, ""); // --rm
}

TEST_F(PodmanRuntimeTest, InteractiveAndTerminal)
{
    auto interactive = podman({ "run", "--rm", "-i", "--annotation", kProcess, kImage, "cat" }, { .input = "piped\n" });
    EXPECT_EQ(interactive.exit_code, 0) << interactive.err;
    EXPECT_EQ(interactive.out, "piped\n");
    // -t: the terminal's master side reached conmon over the console socket at create.
    auto terminal = podman({ "run", "--rm", "-t", "--annotation", kProcess, kImage, "sh", "-c", "tty; exit 3" });
    EXPECT_EQ(terminal.exit_code, 3) << terminal.err;
    EXPECT_TRUE(terminal.out.starts_with("/dev/pts/")) << terminal.out;
}

TEST_F(PodmanRuntimeTest, ExecPauseStopAndRemove)
{
    auto run = podman({ "run", "-d", "--name", "life", "--annotation", kProcess, kImage, "sh", "-c",
        "trap 'exit 7' TERM; while :; do sleep 0.1; done" });
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(podman({ "inspect", "--format", "{{.OCIRuntime}}", "life" }).out, "vmlet-runtime\n");
    auto exec = podman({ "exec", "life", "sh", "-c", "echo in-exec; exit 6" });
    EXPECT_EQ(exec.exit_code, 6) << exec.err;
    EXPECT_EQ(exec.out, "in-exec\n");

    // linux.cgroupsPath holds the container process, so podman's stats are the container's.
    auto stats = podman({ "stats", "--no-stream", "--format", "{{.PIDs}} {{.MemUsage}}", "life" });
    EXPECT_EQ(stats.exit_code, 0) << stats.err;
    EXPECT_GE(std::atoi(stats.out.c_str()), 2) << stats.out; // the container process and the shell at least
    EXPECT_FALSE(stats.out.find(" 0B") != std::string::npos) << stats.out;

    ASSERT_EQ(podman({ "pause", "life" }).exit_code, 0);
    EXPECT_EQ(podman({ "inspect", "--format", "{{.State.Status}}", "life" }).out, "paused\n");
    ASSERT_EQ(podman({ "unpause", "life" }).exit_code, 0);
    EXPECT_EQ(podman({ "inspect", "--format", "{{.State.Status}}", "life" }).out, "running\n");

    auto stop = podman({ "stop", "--time", "20", "life" });
    EXPECT_EQ(stop.exit_code, 0) << stop.err;
    EXPECT_EQ(podman({ "inspect", "--format", "{{.State.ExitCode}}", "life" }).out, "7\n");
    EXPECT_EQ(podman({ "rm", "life" }).exit_code, 0);
    EXPECT_EQ(podman({ "ps", "--all", "--quiet" }).out, "");
}

TEST_F(PodmanRuntimeTest, VolumesAreTheHostsBytes)
{
    TemporaryDirectory shared;
    std::ofstream(shared.file("in")) << "from the host\n";
    auto run = podman({ "run", "--rm", "-v", shared.path() + ":/data", "--annotation", kProcess, kImage, "sh", "-c",
        "cat /data/in; echo from the container > /data/out" });
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, "from the host\n");
    EXPECT_EQ(read_text(shared.file("out")), "from the container\n");
}

TEST_F(PodmanRuntimeTest, PublishedPortsReachTheContainer)
{
    ASSERT_EQ(podman({ "network", "create", "--subnet", "10.91.7.0/24", "vmletoci" }).exit_code, 0);
    auto run = podman({ "run", "-d", "--name", "web", "--network", "vmletoci", "-p", "127.0.0.1:18089:8080", "--annotation", kProcess, kImage,
        "sh", "-c", "echo hello-web > /reply; while :; do nc -l -p 8080 < /reply; done" });
    ASSERT_EQ(run.exit_code, 0) << run.err;
    auto reply = read_published_port(18089, std::chrono::seconds(10));
    EXPECT_EQ(reply, "hello-web\n");
}

}
}
