// vmlet-runtime driven directly, as conmon and containerd's shim drive runc: the OCI runtime spec's
// lifecycle (runtime.md "Lifecycle" and "Operations"), its state, and runc's errors. This test
// process is a subreaper (PR_SET_CHILD_SUBREAPER), as conmon and the shim are, so the container
// process that `create` leaves becomes its child and its exit status can be read.

#include "tests/integration/oci/oci_bundle.h"
#include "tests/integration/vmlet_process.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace vmlet::test {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

std::string read_text(const std::string& path)
{
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

// Waits for a child of this process (a subreaper) to exit; nullopt after `timeout`.
std::optional<int> wait_exit(pid_t pid, std::chrono::milliseconds timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        std::this_thread::sleep_for(20ms);
    }
    return std::nullopt;
}

class RuntimeLifecycleTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { ::prctl(PR_SET_CHILD_SUBREAPER, 1); }

    void SetUp() override
    {
        if (::geteuid() != 0)
            GTEST_SKIP() << "containers need root (namespaces, cgroups)";
    }

    void TearDown() override
    {
        // Whatever a failed test left: the runtime's own delete takes it down.
        if (::geteuid() == 0)
            for (const auto& id : m_ids)
                runtime({ "delete", "--force", id });
    }

    ProcessResult runtime(std::vector<std::string> arguments, ProcessOptions options = {})
    {
        arguments.insert(arguments.begin(), { "--root", m_root.path() });
        options.binary = vmlet_runtime_binary();
        options.timeout = 60s;
        return run_vmlet(arguments, options);
    }

    // `create`, with the container's streams on files of this test: the container process keeps
    // them, so the call cannot be read through pipes. Returns create's exit status.
    int create(const std::string& id, const OciBundle& bundle, const std::string& input = {}, std::vector<std::string> extra = {})
    {
        m_ids.push_back(id);
        std::ofstream(m_files.file("in")) << input;
        std::vector<std::string> arguments { vmlet_runtime_binary(), "--root", m_root.path() };
        arguments.insert(arguments.end(), extra.begin(), extra.end());
        for (auto word : { std::string("create"), std::string("--bundle"), bundle.path(), std::string("--pid-file"), pid_file(), id })
            arguments.push_back(word);
        pid_t child = ::fork();
        if (child == 0) {
            ::dup2(::open(m_files.file("in").c_str(), O_RDONLY), 0);
            ::dup2(::open(out_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), 1);
            ::dup2(::open(err_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), 2);
            std::vector<char*> argv;
            for (auto& word : arguments)
                argv.push_back(word.data());
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        auto status = wait_exit(child, 60s);
        EXPECT_TRUE(status.has_value()) << "create did not return";
        return status.value_or(-1);
    }

    Json state(const std::string& id)
    {
        auto result = runtime({ "state", id });
        EXPECT_EQ(result.exit_code, 0) << result.err;
        return Json::parse(result.out, nullptr, false);
    }

    pid_t container_process()
    {
        auto text = read_text(pid_file());
        EXPECT_FALSE(text.empty()) << "no pid file; create said: " << read_text(err_path());
        return text.empty() ? 0 : static_cast<pid_t>(std::stoi(text));
    }
    std::string pid_file() const { return m_files.file("pid"); }
    std::string out_path() const { return m_files.file("out"); }
    std::string err_path() const { return m_files.file("err"); }

    // Until the container's output holds `text`.
    bool output_shows(const std::string& text)
    {
        for (int tries = 0; tries < 500; ++tries) {
            if (read_text(out_path()).find(text) != std::string::npos)
                return true;
            std::this_thread::sleep_for(20ms);
        }
        return false;
    }

    TemporaryDirectory m_root;
    TemporaryDirectory m_files;
    std::vector<std::string> m_ids;
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

}
}
