// A container's life after its first run, for each isolation: create, start (attached and in the
// background), wait, restart, and --restart policies.
#include "tests/integration/run_test.h"

#include "tests/support/command.h"
#include "tests/support/temporary_directory.h"

#include <filesystem>
#include <fstream>
#include <thread>

namespace vmlet::test {

namespace {

std::string read_text(const std::string& path)
{
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}

// Created, then started twice: each start runs the process it was created with (command,
// environment, working directory, volume) under its name, and its writable layer is kept from one
// start to the next (a VM container's on a disk of its own).
TEST_P(RunTest, AContainerStartsAgainAsItWasCreated)
{
    TemporaryDirectory host;
    auto created = vmlet({ "create", "--isolation", GetParam(), "--name", "again", "-e", "GREETING=hello", "-w", "/work", "-v", host.path() + ":/out",
        "app:1", "sh", "-c", "echo $GREETING from $(pwd) >> /out/runs; echo layer >> /kept; wc -l < /kept; exit 3" });
    ASSERT_EQ(created.exit_code, 0) << created.err;
    EXPECT_NE(vmlet({ "ps", "-a" }).out.find("Created"), std::string::npos);

    auto first = vmlet({ "start", "-a", "again" }, { .timeout = std::chrono::seconds(240) });
    EXPECT_EQ(first.exit_code, 3) << first.err;
    EXPECT_EQ(first.out, "1\n");
    auto second = vmlet({ "start", "again" }, { .timeout = std::chrono::seconds(240) });
    EXPECT_EQ(second.exit_code, 0) << second.err;
    EXPECT_EQ(second.out, "again\n");
    auto waited = vmlet({ "wait", "again" }, { .timeout = std::chrono::seconds(240) });
    EXPECT_EQ(waited.out, "3\n") << waited.err;
    EXPECT_EQ(read_text(host.file("runs")), "hello from /work\nhello from /work\n");
    EXPECT_EQ(vmlet({ "logs", "again" }).out, "1\n2\n");
    EXPECT_EQ(vmlet({ "rm", "again" }).exit_code, 0);
}

// What a container wrote before `vmlet kill` (SIGKILL, no chance to flush anything itself) is in
// its writable layer when it starts again: in a VM, the agent syncs the layer's disk first.
TEST_P(RunTest, AKilledContainerKeepsItsFiles)
{
    TemporaryDirectory host;
    auto started = run({ "-d", "--name", "killed", "-v", host.path() + ":/out", "app:1", "sh", "-c",
                           "cat /data/kept 2>/dev/null; mkdir -p /data; echo run >> /data/kept; echo >> /out/ready; exec sleep 300" },
        { .timeout = std::chrono::seconds(240) });
    ASSERT_EQ(started.exit_code, 0) << started.err;
    for (int run = 1; run <= 2; ++run) {
        std::string ready(static_cast<size_t>(run), '\n');
        for (int tries = 0; tries < 600 && read_text(host.file("ready")) != ready; tries++)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        ASSERT_EQ(read_text(host.file("ready")), ready);
        EXPECT_EQ(vmlet({ "kill", "killed" }, { .timeout = std::chrono::seconds(60) }).exit_code, 0);
        EXPECT_EQ(vmlet({ "wait", "killed" }, { .timeout = std::chrono::seconds(60) }).out, "137\n");
        if (run == 1) {
            ASSERT_EQ(vmlet({ "start", "killed" }, { .timeout = std::chrono::seconds(240) }).exit_code, 0);
        }
    }
    EXPECT_EQ(vmlet({ "logs", "killed" }).out, "run\n");
    EXPECT_EQ(vmlet({ "rm", "killed" }).exit_code, 0);
}

// on-failure:2 runs a failing container three times, then leaves it exited with its status.
TEST_P(RunTest, OnFailureRestartsAsOftenAsItSays)
{
    TemporaryDirectory host;
    auto started = run({ "-d", "--name", "flaky", "--restart", "on-failure:2", "-v", host.path() + ":/out", "app:1", "sh", "-c", "echo ran >> /out/runs; exit 4" },
        { .timeout = std::chrono::seconds(240) });
    ASSERT_EQ(started.exit_code, 0) << started.err;
    auto waited = vmlet({ "wait", "flaky" }, { .timeout = std::chrono::seconds(300) });
    EXPECT_EQ(waited.out, "4\n") << waited.err;
    EXPECT_EQ(read_text(host.file("runs")), "ran\nran\nran\n");
    EXPECT_NE(vmlet({ "ps", "-a" }).out.find("Exited (4)"), std::string::npos);
    EXPECT_EQ(vmlet({ "rm", "flaky" }).exit_code, 0);
}

// `always` restarts after any exit, but not after `vmlet stop`.
TEST_P(RunTest, AStoppedContainerIsNotRestarted)
{
    TemporaryDirectory host;
    auto started = run({ "-d", "--name", "steady", "--restart", "always", "-v", host.path() + ":/out", "app:1", "sh", "-c",
                           "echo ran >> /out/runs; [ $(wc -l < /out/runs) -ge 2 ] && exec sleep 300; exit 0" },
        { .timeout = std::chrono::seconds(240) });
    ASSERT_EQ(started.exit_code, 0) << started.err;
    for (int tries = 0; tries < 600 && read_text(host.file("runs")) != "ran\nran\n"; tries++)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(read_text(host.file("runs")), "ran\nran\n");
    EXPECT_EQ(vmlet({ "stop", "-t", "1", "steady" }, { .timeout = std::chrono::seconds(120) }).exit_code, 0);
    auto waited = vmlet({ "wait", "steady" }, { .timeout = std::chrono::seconds(60) });
    EXPECT_EQ(waited.exit_code, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(read_text(host.file("runs")), "ran\nran\n");
    // restart runs it again, under its policy again.
    auto restarted = vmlet({ "restart", "-t", "1", "steady" }, { .timeout = std::chrono::seconds(240) });
    EXPECT_EQ(restarted.exit_code, 0) << restarted.err;
    for (int tries = 0; tries < 600 && read_text(host.file("runs")) != "ran\nran\nran\n"; tries++)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(read_text(host.file("runs")), "ran\nran\nran\n");
    EXPECT_EQ(vmlet({ "stop", "-t", "1", "steady" }, { .timeout = std::chrono::seconds(120) }).exit_code, 0);
    EXPECT_EQ(vmlet({ "wait", "steady" }, { .timeout = std::chrono::seconds(60) }).exit_code, 0);
    EXPECT_EQ(vmlet({ "rm", "steady" }).exit_code, 0);
}

// A container whose mounts cannot be made (a directory over the image's /bin/sh) fails with 125,
// and with --rm leaves nothing, whether its sandbox refused it (process) or its agent (vm).
TEST_P(RunTest, AContainerThatCannotStartLeavesNothing)
{
    TemporaryDirectory host;
    auto failed = run({ "--rm", "-v", host.path() + ":/bin/sh", "app:1", "true" }, { .timeout = std::chrono::seconds(240) });
    EXPECT_EQ(failed.exit_code, 125) << failed.err;
    EXPECT_EQ(vmlet({ "ps", "-a", "-q" }).out, "");
}

TEST_P(RunTest, LifecycleOptionsAreChecked)
{
    for (const auto& [arguments, message] : std::vector<std::pair<std::vector<std::string>, std::string>> {
             { { "--rm", "-d", "--restart", "always" }, "conflicting options: --restart and --rm" },
             { { "--restart", "always" }, "--restart needs -d" },
             { { "-d", "--restart", "sometimes" }, "--restart: unknown policy 'sometimes'" },
             { { "-d", "--restart", "on-failure:x" }, "--restart: 'on-failure:x' is not on-failure[:MAX_RETRIES]" },
         }) {
        auto arguments_with_image = arguments;
        arguments_with_image.insert(arguments_with_image.end(), { "app:1", "true" });
        auto refused = run(arguments_with_image);
        EXPECT_EQ(refused.exit_code, 125) << message;
        EXPECT_NE(refused.err.find(message), std::string::npos) << refused.err;
    }
    auto missing = vmlet({ "start", "nobody" });
    EXPECT_EQ(missing.exit_code, 125);
    EXPECT_EQ(vmlet({ "ps", "-a", "-q" }).out, "");
}

}

namespace vmlet::test {

// A running container renamed keeps its new name when it exits (its monitor saves its record
// then); `port` shows what -p published while it runs; `rm -v` takes its anonymous volume along
// and leaves the named one.
TEST_P(RunTest, RenamePortAndRmVolumes)
{
    auto port = std::to_string(29000 + (::getpid() % 1000));
    auto started = run({ "-d", "--name", "first", "-p", "127.0.0.1:" + port + ":8080", "-v", "/anonymous", "-v", "kept-one:/kept", "app:1", "sleep", "300" },
        { .timeout = std::chrono::seconds(240) });
    ASSERT_EQ(started.exit_code, 0) << started.err;
    auto renamed = vmlet({ "rename", "first", "second" });
    EXPECT_EQ(renamed.exit_code, 0) << renamed.err;
    EXPECT_EQ(vmlet({ "exec", "first", "true" }).exit_code, 125);
    EXPECT_EQ(vmlet({ "port", "second" }).out, "8080/tcp -> 127.0.0.1:" + port + "\n");
    EXPECT_EQ(vmlet({ "port", "second", "8080" }).out, "127.0.0.1:" + port + "\n");
    for (const auto& [arguments, message] : std::vector<std::pair<std::vector<std::string>, std::string>> {
             { { "port", "second", "81/udp" }, "no public port '81/udp' published for second" },
             { { "rename", "second", "bad name" }, "invalid container name 'bad name'" },
             { { "create", "--isolation", GetParam(), "--name", "second", "app:1" }, "the container name 'second' is already in use" },
         }) {
        auto refused = vmlet(arguments);
        EXPECT_EQ(refused.exit_code, 125) << message;
        EXPECT_NE(refused.err.find(message), std::string::npos) << refused.err;
        EXPECT_EQ(std::count(refused.err.begin(), refused.err.end(), '\n'), 1) << refused.err;
    }
    EXPECT_EQ(vmlet({ "stop", "-t", "1", "second" }, { .timeout = std::chrono::seconds(120) }).exit_code, 0);
    EXPECT_EQ(vmlet({ "wait", "second" }, { .timeout = std::chrono::seconds(60) }).exit_code, 0);
    EXPECT_EQ(vmlet({ "ps", "-a", "--format", "{{.Names}}" }).out, "second\n");
    EXPECT_EQ(vmlet({ "port", "second" }).out, "");
    auto volumes = vmlet({ "volume", "ls", "-q" }).out;
    EXPECT_EQ(std::count(volumes.begin(), volumes.end(), '\n'), 2) << volumes;
    EXPECT_EQ(vmlet({ "rm", "-v", "second" }).exit_code, 0);
    EXPECT_EQ(vmlet({ "volume", "ls", "-q" }).out, "kept-one\n");
    EXPECT_EQ(vmlet({ "volume", "rm", "kept-one" }).exit_code, 0);
    // Its first name was free from the rename on.
    EXPECT_EQ(vmlet({ "create", "--isolation", GetParam(), "--name", "first", "app:1" }, { .timeout = std::chrono::seconds(240) }).exit_code, 0);
    EXPECT_EQ(vmlet({ "rm", "first" }).exit_code, 0);
}

}

namespace vmlet::test {

// attach shows what the container writes from then on and ends with its exit status; a signal to
// vmlet goes to the container; a stopped container cannot be attached to.
TEST_P(RunTest, AttachFollowsTheOutputAndPassesSignalsOn)
{
    ASSERT_EQ(run({ "-d", "--name", "attached", "app:1", "sh", "-c",
                      "trap 'echo terminated; exit 5' TERM; echo before; while [ ! -e /tmp/go ]; do sleep 0.2; done; echo after; "
                      "while :; do sleep 0.2; done" },
                  { .timeout = std::chrono::seconds(240) })
                  .exit_code,
        0);
    for (int attempt = 0; attempt < 600 && vmlet({ "logs", "attached" }).out != "before\n"; attempt++)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    // attach in the background; once it has started, the container writes "after", then attach's
    // SIGTERM reaches the shell's trap.
    auto attached = run_command({ "bash", "-c",
                                    "\"$0\" --root \"$1\" attach attached & sleep 1; \"$0\" --root \"$1\" exec attached touch /tmp/go; "
                                    "until \"$0\" --root \"$1\" logs attached | grep -q after; do sleep 0.2; done; kill -TERM $!; wait $!",
                                    vmlet_binary(), s_store->root() },
        std::chrono::seconds(120));
    EXPECT_EQ(attached.exit_code, 5) << attached.err;
    EXPECT_EQ(attached.out, "after\nterminated\n");
    auto refused = vmlet({ "attach", "attached" });
    EXPECT_EQ(refused.exit_code, 125);
    EXPECT_NE(refused.err.find("cannot attach to a stopped container"), std::string::npos) << refused.err;
    EXPECT_EQ(vmlet({ "rm", "attached" }).exit_code, 0);
}

}
