// vmlet-runtime driven directly, as conmon and containerd's shim drive runc (runtime_driver.h): the
// OCI runtime spec's lifecycle (runtime.md "Lifecycle" and "Operations"), its state, and runc's
// errors, in process isolation.

#include "tests/integration/oci/oci_bundle.h"
#include "tests/integration/oci/runtime_driver.h"
#include "tests/integration/vmlet_process.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace vmlet::test {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

class RuntimeLifecycleTest : public RuntimeDriver {
};

TEST_F(RuntimeLifecycleTest, CreateStartKillDeleteWalkTheSpecsStates)
{
    OciBundle bundle({ "sh", "-c", "trap 'echo term; exit 7' TERM; echo started; while :; do sleep 0.1; done" }, "process");
    ASSERT_EQ(create("life", bundle), 0) << read_text(err_path());
    pid_t process = container_process();
    auto created = state("life");
    EXPECT_EQ(created["ociVersion"], "1.0.2");
    EXPECT_EQ(created["id"], "life");
    EXPECT_EQ(created["status"], "created");
    EXPECT_EQ(created["pid"], process);
    EXPECT_EQ(created["bundle"], bundle.path());
    EXPECT_EQ(created["rootfs"], bundle.rootfs());
    EXPECT_EQ(created["annotations"], bundle.config()["annotations"]);
    EXPECT_EQ(::kill(process, 0), 0);
    // Created is not started: nothing of the command has run.
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(read_text(out_path()), "");

    auto started = runtime({ "start", "life" });
    ASSERT_EQ(started.exit_code, 0) << started.err;
    ASSERT_TRUE(output_shows("started\n")) << read_text(err_path());
    EXPECT_EQ(state("life")["status"], "running");
    EXPECT_EQ(state("life")["pid"], process);

    auto again = runtime({ "start", "life" });
    EXPECT_EQ(again.exit_code, 1);
    EXPECT_NE(again.err.find("cannot start an already running container"), std::string::npos) << again.err;
    auto not_stopped = runtime({ "delete", "life" });
    EXPECT_EQ(not_stopped.exit_code, 1);
    EXPECT_NE(not_stopped.err.find("that is not stopped: running"), std::string::npos) << not_stopped.err;

    // The pid-file's process is the container to its caller: it exits with the command's status.
    ASSERT_EQ(runtime({ "kill", "life", "TERM" }).exit_code, 0);
    EXPECT_EQ(wait_exit(process, 30s), std::optional<int>(7));
    EXPECT_TRUE(output_shows("term\n"));
    EXPECT_EQ(state("life")["status"], "stopped");
    EXPECT_EQ(state("life")["pid"], 0);
    auto stopped = runtime({ "start", "life" });
    EXPECT_EQ(stopped.exit_code, 1);
    EXPECT_NE(stopped.err.find("cannot start a container that has stopped"), std::string::npos) << stopped.err;
    auto killed = runtime({ "kill", "life", "KILL" });
    EXPECT_EQ(killed.exit_code, 1);
    EXPECT_NE(killed.err.find("container not running"), std::string::npos) << killed.err;

    EXPECT_EQ(runtime({ "delete", "life" }).exit_code, 0);
    auto gone = runtime({ "state", "life" });
    EXPECT_EQ(gone.exit_code, 1);
    EXPECT_NE(gone.err.find("container does not exist"), std::string::npos) << gone.err;
    // The bundle is the caller's: its root is as it was.
    EXPECT_TRUE(std::filesystem::exists(bundle.rootfs() + "/bin/busybox"));
}

TEST_F(RuntimeLifecycleTest, TheCommandHasTheStreamsCreateWasGivenAndItsOwnKernelView)
{
    OciBundle bundle({ "sh", "-c", "cat; hostname; ls /sys/class/net; exit 3" }, "process");
    ASSERT_EQ(create("streams", bundle, "from stdin\n"), 0) << read_text(err_path());
    ASSERT_EQ(runtime({ "start", "streams" }).exit_code, 0);
    EXPECT_EQ(wait_exit(container_process(), 30s), std::optional<int>(3));
    // Its own network namespace: loopback only.
    EXPECT_EQ(read_text(out_path()), "from stdin\noci-test\nlo\n");
    EXPECT_EQ(runtime({ "delete", "streams" }).exit_code, 0);
}

TEST_F(RuntimeLifecycleTest, ACreatedContainerIsDeletedWithoutRunningAndLeavesNothing)
{
    OciBundle bundle({ "sh", "-c", "echo ran > /proof" }, "process");
    ASSERT_EQ(create("never", bundle), 0) << read_text(err_path());
    pid_t process = container_process();
    auto twice = runtime({ "create", "--bundle", bundle.path(), "never" });
    EXPECT_EQ(twice.exit_code, 1);
    EXPECT_NE(twice.err.find("never"), std::string::npos) << twice.err;

    EXPECT_EQ(runtime({ "delete", "never" }).exit_code, 0);
    EXPECT_EQ(wait_exit(process, 30s), std::optional<int>(125));
    EXPECT_FALSE(std::filesystem::exists(bundle.rootfs() + "/proof"));
    EXPECT_TRUE(std::filesystem::exists(bundle.rootfs() + "/bin/busybox"));
    auto mounts = read_text("/proc/self/mountinfo");
    EXPECT_EQ(mounts.find(m_root.path()), std::string::npos) << mounts;
    EXPECT_EQ(runtime({ "state", "never" }).exit_code, 1);
}

TEST_F(RuntimeLifecycleTest, TheMountsNoexecAndNosuidHold)
{
    TemporaryDirectory shared;
    OciBundle bundle({ "sh", "-c", kMountOptionsProbe }, "process");
    bind_runnable_twice(bundle, shared.path());
    ASSERT_EQ(create("options", bundle), 0) << read_text(err_path());
    ASSERT_EQ(runtime({ "start", "options" }).exit_code, 0);
    EXPECT_EQ(wait_exit(container_process(), 30s), std::optional<int>(0));
    expect_mount_options_held(read_text(out_path()));
    EXPECT_EQ(runtime({ "delete", "options" }).exit_code, 0);
}

TEST_F(RuntimeLifecycleTest, ExecPsPauseAndForcedDelete)
{
    OciBundle bundle({ "sh", "-c", "echo up; exec sleep 600" }, "process");
    ASSERT_EQ(create("busy", bundle), 0) << read_text(err_path());
    pid_t process = container_process();
    ASSERT_EQ(runtime({ "start", "busy" }).exit_code, 0);
    ASSERT_TRUE(output_shows("up\n"));

    auto exec = runtime({ "exec", "busy", "sh", "-c", "echo in-exec; exit 4" });
    EXPECT_EQ(exec.exit_code, 4) << exec.err;
    EXPECT_EQ(exec.out, "in-exec\n");
    auto process_file = m_files.file("process.json");
    std::ofstream(process_file) << R"({"args":["sh","-c","exit 9"],"cwd":"/","env":["PATH=/bin"]})";
    auto from_file = runtime({ "exec", "--process", process_file, "--pid-file", m_files.file("exec.pid"), "busy" });
    EXPECT_EQ(from_file.exit_code, 9) << from_file.err;
    EXPECT_FALSE(read_text(m_files.file("exec.pid")).empty());

    auto ps = runtime({ "ps", "--format", "json", "busy" });
    ASSERT_EQ(ps.exit_code, 0) << ps.err;
    auto pids = Json::parse(ps.out, nullptr, false);
    ASSERT_TRUE(pids.is_array()) << ps.out;
    EXPECT_EQ(pids.size(), 1u) << ps.out; // the sleep, the container's only process

    ASSERT_EQ(runtime({ "pause", "busy" }).exit_code, 0);
    EXPECT_EQ(state("busy")["status"], "paused");
    EXPECT_EQ(runtime({ "pause", "busy" }).exit_code, 1);
    ASSERT_EQ(runtime({ "resume", "busy" }).exit_code, 0);
    EXPECT_EQ(state("busy")["status"], "running");

    ASSERT_EQ(runtime({ "delete", "--force", "busy" }).exit_code, 0);
    EXPECT_EQ(wait_exit(process, 30s), std::optional<int>(137));
    EXPECT_EQ(runtime({ "state", "busy" }).exit_code, 1);
}

TEST_F(RuntimeLifecycleTest, UnknownIdsGetRuncsErrorAlsoAsJsonInTheLog)
{
    for (const char* command : { "start", "state", "kill", "delete", "pause", "resume", "ps" }) {
        auto result = runtime({ command, "nope" });
        EXPECT_EQ(result.exit_code, 1) << command;
        EXPECT_NE(result.err.find("container does not exist"), std::string::npos) << command << ": " << result.err;
    }
    EXPECT_EQ(runtime({ "delete", "--force", "nope" }).exit_code, 0);

    auto log = m_files.file("runtime.log");
    auto logged = runtime({ "--log", log, "--log-format", "json", "start", "nope" });
    EXPECT_EQ(logged.exit_code, 1);
    auto line = Json::parse(read_text(log), nullptr, false);
    ASSERT_TRUE(line.is_object()) << read_text(log);
    EXPECT_EQ(line["level"], "error");
    EXPECT_EQ(line["msg"], "container does not exist");
    EXPECT_TRUE(line["time"].is_string());
}

TEST_F(RuntimeLifecycleTest, ABundleAskingForWhatIsNotSupportedIsRefusedAndLeavesNothing)
{
    OciBundle bundle({ "true" }, "process");
    bundle.config()["linux"]["namespaces"].push_back({ { "type", "user" } });
    bundle.save();
    auto refused = runtime({ "create", "--bundle", bundle.path(), "refused" });
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.err.find("the user namespace is not supported"), std::string::npos) << refused.err;
    EXPECT_EQ(runtime({ "state", "refused" }).exit_code, 1);
    EXPECT_FALSE(std::filesystem::exists(m_root.path() + "/names/refused"));
}

// A create that fails after its container process bound the bundle's root (here: the pid file
// cannot be written) takes its directory away without ever reaching into that root.
TEST_F(RuntimeLifecycleTest, AFailedCreateLeavesTheBundleAsItWas)
{
    OciBundle bundle({ "true" }, "process");
    auto failed = runtime({ "create", "--bundle", bundle.path(), "--pid-file", m_files.file("missing/pid"), "late" });
    EXPECT_EQ(failed.exit_code, 1);
    EXPECT_NE(failed.err.find("pid"), std::string::npos) << failed.err;
    EXPECT_TRUE(std::filesystem::exists(bundle.rootfs() + "/bin/busybox"));
    EXPECT_TRUE(std::filesystem::exists(bundle.rootfs() + "/etc/passwd"));
    EXPECT_EQ(runtime({ "state", "late" }).exit_code, 1);
    EXPECT_EQ(read_text("/proc/self/mountinfo").find(m_root.path()), std::string::npos);
}

TEST_F(RuntimeLifecycleTest, TheHostsNetworkNamespaceIsNotTheContainers)
{
    OciBundle bundle({ "true" }, "process");
    bundle.config()["linux"]["namespaces"] = { { { "type", "network" }, { "path", "/proc/self/ns/net" } } };
    bundle.config()["linux"]["sysctl"] = { { "net.ipv4.ip_forward", "1" } };
    bundle.save();
    auto refused = runtime({ "create", "--bundle", bundle.path(), "hostnet" });
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.err.find("is the host's"), std::string::npos) << refused.err;
}

}
}
