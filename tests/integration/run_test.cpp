// `vmlet run` and the container commands, for each isolation, on an image made from
// busybox-static and loaded into a store under a temporary --root. The behaviour asserted is the
// same for both isolations; `uname -r` tells them apart.
#include "tests/integration/run_test.h"

#include "tests/support/command.h"
#include "tests/support/oci_image_builder.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

namespace vmlet::test {

namespace {

namespace fs = std::filesystem;

// The image every test runs: Cmd, Env, WorkingDir and ExposedPorts set, a user "app" (uid 1000)
// in its /etc/passwd, and a page for httpd.
ImageSpec app_image()
{
    ImageSpec spec;
    spec.cmd = { "echo", "hello from the image" };
    spec.env.push_back("GREETING=hi");
    spec.working_dir = "/srv";
    spec.exposed_ports = { "8080/tcp" };
    spec.extra_files = { { "/srv/index.html", "served from the container\n", 0644 } };
    return spec;
}

// An image whose /etc/passwd is a FIFO: reading it would wait forever for a writer.
ImageSpec fifo_passwd_image()
{
    ImageSpec spec;
    spec.cmd = { "echo", "ran" };
    spec.extra_layer_tar = make_tar({ { "etc/passwd", TarEntry::Kind::Fifo, {} } });
    return spec;
}

std::string read_text(const fs::path& path)
{
    std::ifstream file(path);
    return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

ImageSpec entrypoint_image()
{
    ImageSpec spec;
    spec.entrypoint = { "/bin/echo", "entry:" };
    spec.cmd = { "default-arg" };
    spec.user = "app";
    return spec;
}

}

RunTest::Store* RunTest::s_store = nullptr;

void load_probe_image(const std::string& root, const std::string& source, const std::string& path, const std::string& tag)
{
    static std::set<std::pair<std::string, std::string>> loaded;
    if (loaded.contains({ root, tag }))
        return;
    TemporaryDirectory scratch;
    auto built = run_command({ "gcc", "-static", "-O2", "-o", scratch.file("probe"), std::string(VMLET_SOURCE_DIR) + "/tests/integration/probes/" + source });
    ASSERT_EQ(built.exit_code, 0) << built.err;
    std::ifstream binary(scratch.file("probe"), std::ios::binary);
    ImageSpec spec;
    spec.extra_files = { { path, std::string(std::istreambuf_iterator<char>(binary), {}), 0755 } };
    write_docker_save_archive(scratch.file("probe.tar"), spec, tag);
    auto loaded_archive = run_vmlet({ "--root", root, "load", "-i", scratch.file("probe.tar") }, { .timeout = std::chrono::seconds(60) });
    ASSERT_EQ(loaded_archive.exit_code, 0) << loaded_archive.err;
    loaded.insert({ root, tag });
}

void RunTest::SetUpTestSuite()
{
    s_store = new Store;
    for (const auto& [name, spec] : { std::pair { "app:1", app_image() }, std::pair { "entry:1", entrypoint_image() }, std::pair { "fifo:1", fifo_passwd_image() } }) {
        auto archive = s_store->scratch.file(std::string(name).substr(0, std::string(name).find(':')) + ".tar");
        write_docker_save_archive(archive, spec, name);
        auto loaded = run_vmlet({ "--root", s_store->root(), "load", "-i", archive }, { .timeout = std::chrono::seconds(60) });
        ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
    }
}

void RunTest::TearDownTestSuite()
{
    delete s_store;
    s_store = nullptr;
}

void RunTest::SetUp()
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "containers need root (namespaces, overlayfs, cgroups)";
    if (GetParam() == "vm" && !kvm_available())
        GTEST_SKIP() << "no /dev/kvm: vm isolation runs under scripts/test.sh's nested KVM";
    m_host_lock.emplace();
}

void RunTest::TearDown()
{
    // Every test leaves no container behind, running or not, and no mount of the store.
    auto left = vmlet({ "ps", "-a", "-q" });
    for (size_t start = 0; start < left.out.size();) {
        auto end = left.out.find('\n', start);
        vmlet({ "rm", "-f", left.out.substr(start, end - start) });
        start = end + 1;
    }
    // Nor a cgroup (process_sandbox: vmlet/<id> below vmlet's own cgroup, in each hierarchy).
    for (const auto& cgroup : vmlet_cgroups())
        ADD_FAILURE() << "cgroup left behind: " << cgroup;
    // Nor a VM container's sockets (vm_sandbox.cpp: TMPDIR/vmlet-<16 hex digits>).
    for (const auto& entry : fs::directory_iterator(fs::temp_directory_path())) {
        auto name = entry.path().filename().string();
        EXPECT_FALSE(name.size() == 22 && name.starts_with("vmlet-") && name.find_first_not_of("0123456789abcdef", 6) == std::string::npos)
            << "left behind: " << entry.path();
    }
    std::ifstream mounts("/proc/self/mountinfo");
    std::string line;
    while (std::getline(mounts, line))
        EXPECT_EQ(line.find(s_store->root()), std::string::npos) << "left mounted: " << line;
}

ProcessResult RunTest::vmlet(std::vector<std::string> arguments, ProcessOptions options)
{
    arguments.insert(arguments.begin(), { "--root", s_store->root() });
    if (options.timeout == ProcessOptions {}.timeout)
        options.timeout = std::chrono::seconds(GetParam() == "vm" ? 300 : 60);
    return run_vmlet(arguments, options);
}

ProcessResult RunTest::run(std::vector<std::string> arguments, ProcessOptions options)
{
    arguments.insert(arguments.begin(), { "run", "--isolation", GetParam() });
    return vmlet(std::move(arguments), std::move(options));
}

TEST_P(RunTest, DefaultCommandOfTheImage)
{
    auto result = run({ "--rm", "app:1" });
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "hello from the image\n");
}

TEST_P(RunTest, CommandEnvWorkdirAndUserFollowDockersRules)
{
    auto result = run({ "--rm", "-e", "EXTRA=1", "app:1", "sh", "-c", "echo $GREETING $EXTRA; pwd; id -u" });
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "hi 1\n/srv\n0\n");

    result = run({ "--rm", "-w", "/tmp", "-u", "app", "-e", "GREETING=overridden", "app:1", "sh", "-c", "echo $GREETING; pwd; id -un" });
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "overridden\n/tmp\napp\n");

    // Entrypoint + Cmd; arguments replace Cmd; --entrypoint replaces both; the image's User applies.
    EXPECT_EQ(run({ "--rm", "entry:1" }).out, "entry: default-arg\n");
    EXPECT_EQ(run({ "--rm", "entry:1", "given" }).out, "entry: given\n");
    EXPECT_EQ(run({ "--rm", "--entrypoint", "id", "entry:1", "-u" }).out, "1000\n");
}

TEST_P(RunTest, ExitStatusAndStderrStaySeparate)
{
    auto result = run({ "--rm", "app:1", "sh", "-c", "echo out; echo err >&2; exit 7" });
    EXPECT_EQ(result.exit_code, 7);
    EXPECT_EQ(result.out, "out\n");
    EXPECT_EQ(result.err, "err\n");
}

TEST_P(RunTest, AReaderThatLeavesEndsTheContainerAsInAPipeline)
{
    // As `yes | head -1`: when vmlet's reader exits, the container's next write fails (EPIPE) and
    // the container ends rather than run on for ever. The container's init ignores the SIGPIPE
    // that comes with it (a pid namespace's init ignores signals it has no handler for), so the
    // failing echo ends the loop and the shell exits 0.
    const std::string pipeline = "\"$0\" --root \"$1\" run --isolation \"$2\" --rm app:1 sh -c \"$3\" | head -1; echo \"${PIPESTATUS[0]}\"";
    auto by_init = run_command({ "bash", "-c", pipeline, vmlet_binary(), s_store->root(), GetParam(), "while echo y; do :; done" },
        std::chrono::seconds(300));
    EXPECT_EQ(by_init.out, "y\n0\n") << by_init.err;

    // Any other writer is killed by SIGPIPE (status 141), as under Docker; in a VM container too,
    // where stdout is a vsock stream (guest/kernel/patches/0006: Linux 6.1's vsock sent none).
    auto by_child = run_command({ "bash", "-c", pipeline, vmlet_binary(), s_store->root(), GetParam(),
                                    "sh -c 'while echo y; do :; done'; echo writer=$? >&2" },
        std::chrono::seconds(300));
    EXPECT_EQ(by_child.out, "y\n0\n") << by_child.err;
    EXPECT_NE(by_child.err.find("writer=141"), std::string::npos) << by_child.err;
}

TEST_P(RunTest, StdinWithInteractive)
{
    auto result = run({ "--rm", "-i", "app:1", "sh", "-c", "tr a-z A-Z" }, { .input = "piped in\n" });
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "PIPED IN\n");
    // Without -i the container's stdin is empty.
    EXPECT_EQ(run({ "--rm", "app:1", "sh", "-c", "cat; echo end" }, { .input = "ignored\n" }).out, "end\n");
}

TEST_P(RunTest, KernelSeenByTheContainer)
{
    auto result = run({ "--rm", "app:1", "uname", "-r" });
    ASSERT_EQ(result.exit_code, 0) << result.err;
    struct utsname host { };
    ::uname(&host);
    if (GetParam() == "process")
        EXPECT_EQ(result.out, std::string(host.release) + "\n");
    else
        EXPECT_NE(result.out, std::string(host.release) + "\n");
}

TEST_P(RunTest, IsolationFromTheEnvironment)
{
    // VMLET_ISOLATION chooses when --isolation is not given (vm otherwise, as on Windows clients).
    auto result = run_vmlet({ "--root", s_store->root(), "run", "--rm", "app:1", "cat", "/proc/1/cmdline" },
        { .timeout = std::chrono::seconds(GetParam() == "vm" ? 300 : 60), .environment = { { "VMLET_ISOLATION", GetParam() } } });
    ASSERT_EQ(result.exit_code, 0) << result.err;
    // PID 1 is the command itself, in a VM too (the agent gives it a pid namespace).
    EXPECT_TRUE(result.out.starts_with("cat")) << result.out;
}

TEST_P(RunTest, ContainerSeesNoneOfTheHostsProcesses)
{
    // Every command line the container can see: this test's own program must not be among them.
    auto result = run({ "--rm", "app:1", "sh", "-c", "cat /proc/[0-9]*/cmdline | tr '\\0' ' '" });
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find("cat"), std::string::npos) << result.out;
    EXPECT_EQ(result.out.find(program_invocation_short_name), std::string::npos) << result.out;
    // Its own pid namespace: sh is pid 1 and, with no child started, all there is (in a VM,
    // neither the guest's init nor the agent). The shell expands the glob itself: a pipeline's
    // processes would race with the listing.
    auto alone = run({ "--rm", "app:1", "sh", "-c", "echo $$ /proc/[0-9]*" });
    EXPECT_EQ(alone.out, "1 /proc/1\n");
}

TEST_P(RunTest, RmRemovesTheContainerAndWithoutItPsShowsTheExit)
{
    ASSERT_EQ(run({ "--rm", "--name", "gone", "app:1", "true" }).exit_code, 0);
    EXPECT_EQ(vmlet({ "ps", "-a", "-q" }).out, "");
    auto kept = run({ "--name", "kept", "app:1", "sh", "-c", "echo out; echo err >&2; exit 3" });
    ASSERT_EQ(kept.exit_code, 3);
    EXPECT_EQ(kept.out, "out\n");
    EXPECT_EQ(kept.err, "err\n");
    // A container run in the foreground keeps its output for `logs` too, as Docker's.
    auto logs = vmlet({ "logs", "kept" });
    EXPECT_EQ(logs.out, "out\n");
    EXPECT_EQ(logs.err, "err\n");
    auto listing = vmlet({ "ps", "-a" }).out;
    EXPECT_NE(listing.find("Exited (3)"), std::string::npos) << listing;
    EXPECT_NE(listing.find("kept"), std::string::npos) << listing;
    EXPECT_EQ(vmlet({ "rm", "kept" }).exit_code, 0);
    EXPECT_EQ(vmlet({ "ps", "-a", "-q" }).out, "");
}

TEST_P(RunTest, DetachedLogsAndStop)
{
    auto started = run({ "-d", "--name", "ticker", "app:1", "sh", "-c", "echo warm >&2; sleep 1; echo started; echo second; while true; do sleep 1; done" });
    ASSERT_EQ(started.exit_code, 0) << started.err;
    EXPECT_EQ(started.out.size(), 65u) << "not a container id: " << started.out;
    EXPECT_NE(vmlet({ "ps" }).out.find("ticker"), std::string::npos);
    // The output lands in the log soon after start.
    ProcessResult logs;
    for (int attempt = 0; attempt < 100 && logs.out != "started\nsecond\n"; attempt++) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        logs = vmlet({ "logs", "ticker" });
    }
    EXPECT_EQ(logs.out, "started\nsecond\n");
    EXPECT_EQ(logs.err, "warm\n");
    // docker logs' selections: the last lines, since a time, each line with its time. (The two
    // streams are two pipes, read apart, so only the second's wait orders "warm" before the rest.)
    auto tail = vmlet({ "logs", "--tail", "1", "ticker" });
    EXPECT_EQ(tail.out + tail.err, "second\n");
    auto future = vmlet({ "logs", "--since", "2099-01-01T00:00:00Z", "ticker" });
    EXPECT_EQ(future.exit_code, 0) << future.err;
    EXPECT_EQ(future.out + future.err, "");
    auto recent = vmlet({ "logs", "--since", "10m", "ticker" });
    EXPECT_EQ(recent.out, "started\nsecond\n");
    auto stamped = vmlet({ "logs", "-t", "ticker" });
    EXPECT_TRUE(std::regex_match(stamped.out, std::regex(R"((20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (started|second)\n){2})"))) << stamped.out;

    auto stopped = vmlet({ "stop", "-t", "1", "ticker" });
    EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
    EXPECT_EQ(vmlet({ "ps", "-q" }).out, "");
    // A shell that is its pid namespace's init ignores SIGTERM and is killed (137), as under Docker.
    auto listing = vmlet({ "ps", "-a" }).out;
    EXPECT_NE(listing.find("Exited (137)"), std::string::npos) << listing;
    EXPECT_EQ(vmlet({ "rm", "ticker" }).exit_code, 0);
}

// A number from a container's record (containers/<id>/container.json).
long record_number(const std::string& root, const std::string& id, const std::string& field)
{
    std::ifstream file(root + "/containers/" + id + "/container.json");
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    auto at = text.find("\"" + field + "\": ");
    return at == std::string::npos ? -1 : std::stol(text.substr(at + field.size() + 4));
}

// Alive, and not a zombie waiting for a reaper.
bool process_runs(pid_t pid)
{
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    auto state = line.rfind(") ");
    return state != std::string::npos && line[state + 2] != 'Z';
}

TEST_P(RunTest, AKilledMonitorTakesItsContainerAndRmReleasesTheRest)
{
    auto started = run({ "-d", "--name", "orphan", "app:1", "sleep", "600" });
    ASSERT_EQ(started.exit_code, 0) << started.err;
    auto id = started.out.substr(0, 64);
    auto monitor = static_cast<pid_t>(record_number(s_store->root(), id, "monitor_pid"));
    auto container = static_cast<pid_t>(record_number(s_store->root(), id, "container_pid"));
    ASSERT_GT(monitor, 0);
    ASSERT_GT(container, 0);
    ASSERT_EQ(::kill(monitor, SIGKILL), 0);
    // The container's first process (or its VM) dies with the monitor, which alone would have
    // recorded its exit: the record says 137.
    for (int attempt = 0; attempt < 100 && process_runs(container); attempt++)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(process_runs(container));
    EXPECT_NE(vmlet({ "ps", "-a" }).out.find("Exited (137)"), std::string::npos);
    // rm releases what the monitor held: TearDown finds no cgroup, mount or socket directory.
    auto removed = vmlet({ "rm", "orphan" });
    EXPECT_EQ(removed.exit_code, 0) << removed.err;
}

TEST_P(RunTest, TtyGivesTheContainerATerminal)
{
    // -t: the container's streams are a terminal of vmlet's terminal's size; -i types into it.
    // Enter sends CR, which the container's terminal makes a newline; its output has CR LF.
    auto result = run({ "--rm", "-it", "app:1", "sh", "-c", "test -t 0 && test -t 1 && echo on a terminal; tty; stty size; echo ready; read line; echo got $line; exit 3" },
        { .timeout = std::chrono::seconds(300), .input = "typed\r", .terminal = true, .input_after = "ready" });
    EXPECT_EQ(result.exit_code, 3) << result.out;
    // A terminal of the container's own /dev/pts, as Docker's.
    EXPECT_NE(result.out.find("on a terminal\r\n/dev/pts/0\r\n"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find(std::to_string(kTerminalRows) + " " + std::to_string(kTerminalCols) + "\r\n"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("got typed\r\n"), std::string::npos) << result.out;
    // When vmlet's terminal changes size, so does the container's, which gets SIGWINCH. ^C is the
    // container terminal's: SIGINT to its foreground processes. (Traps, since a container's PID 1
    // ignores signals it has no handler for.)
    auto resized = std::to_string(kResizedRows) + " " + std::to_string(kResizedCols);
    auto signalled = run({ "--rm", "-it", "app:1", "sh", "-c",
                             "trap 'stty size' WINCH; trap 'echo caught; exit 5' INT; echo ready; while true; do sleep 1; done" },
        { .timeout = std::chrono::seconds(300), .input = "\x03", .terminal = true, .input_after = resized, .resize_after = "ready" });
    EXPECT_EQ(signalled.exit_code, 5) << signalled.out;
    // -dt: the terminal's output is the log.
    ASSERT_EQ(run({ "-dt", "--name", "detached", "app:1", "sh", "-c", "tty; stty size" }).exit_code, 0);
    for (int attempt = 0; attempt < 300 && vmlet({ "ps", "-q" }).out != ""; attempt++)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(vmlet({ "logs", "detached" }).out, "/dev/pts/0\r\n24 80\r\n");
    EXPECT_EQ(vmlet({ "rm", "detached" }).exit_code, 0);
    auto size_shown = signalled.out.find(resized + "\r\n");
    EXPECT_NE(size_shown, std::string::npos) << signalled.out;
    EXPECT_NE(signalled.out.find("caught\r\n", size_shown), std::string::npos) << signalled.out;
}

TEST_P(RunTest, ExecRunsAnotherCommandInTheRunningContainer)
{
    auto started = run({ "-d", "--name", "box", "app:1", "sleep", "60" });
    ASSERT_EQ(started.exit_code, 0) << started.err;
    // The container's environment, working directory, host name and processes.
    auto exec = vmlet({ "exec", "box", "sh", "-c", "echo $GREETING; pwd; hostname; pidof sleep > /dev/null && echo beside sleep" });
    EXPECT_EQ(exec.exit_code, 0) << exec.err;
    EXPECT_EQ(exec.out, "hi\n/srv\n" + started.out.substr(0, 12) + "\nbeside sleep\n");
    auto as_app = vmlet({ "exec", "-u", "app", "-w", "/tmp", "-e", "EXTRA=1", "box", "sh", "-c", "id -u; pwd; echo $EXTRA" });
    EXPECT_EQ(as_app.out, "1000\n/tmp\n1\n") << as_app.err;
    EXPECT_EQ(vmlet({ "exec", "-i", "box", "cat" }, { .input = "through stdin\n" }).out, "through stdin\n");
    // Its own exit status and separate streams; the container's writable layer.
    auto status = vmlet({ "exec", "box", "sh", "-c", "echo out; echo err >&2; echo kept > /srv/written; exit 3" });
    EXPECT_EQ(status.exit_code, 3);
    EXPECT_EQ(status.out, "out\n");
    EXPECT_EQ(status.err, "err\n");
    EXPECT_EQ(vmlet({ "exec", "box", "cat", "/srv/written" }).out, "kept\n");
    EXPECT_EQ(vmlet({ "exec", "box", "/no/such/program" }).exit_code, 127);
    // -it: a terminal of vmlet's terminal's size, typed into.
    auto terminal = vmlet({ "exec", "-it", "box", "sh", "-c", "test -t 0 && echo on a terminal; tty; stty size; echo $TERM; echo ready; read line; echo got $line; exit 4" },
        { .timeout = std::chrono::seconds(120), .input = "typed\r", .terminal = true, .input_after = "ready" });
    EXPECT_EQ(terminal.exit_code, 4) << terminal.out;
    EXPECT_NE(terminal.out.find("on a terminal\r\n/dev/pts/0\r\n" + std::to_string(kTerminalRows) + " " + std::to_string(kTerminalCols) + "\r\nxterm\r\n"),
        std::string::npos)
        << terminal.out;
    EXPECT_NE(terminal.out.find("got typed\r\n"), std::string::npos) << terminal.out;
    if (GetParam() == "process") {
        // Docker's default capabilities, as for the first process: no mount(2). (A VM's
        // container has the VM for its boundary and its root keeps every capability.)
        EXPECT_NE(vmlet({ "exec", "box", "sh", "-c", "mount -t tmpfs none /tmp" }).exit_code, 0);
    }
    // The exec left the container running, alone.
    EXPECT_NE(vmlet({ "ps" }).out.find("box"), std::string::npos);
    EXPECT_EQ(vmlet({ "rm", "-f", "box" }).exit_code, 0);
    auto gone = vmlet({ "exec", "box", "true" });
    EXPECT_EQ(gone.exit_code, 125);
    EXPECT_NE(gone.err.find("no such container: box"), std::string::npos) << gone.err;
}

TEST_P(RunTest, PublishedPortServesTheHost)
{
    auto port = std::to_string(28000 + (::getpid() % 1000));
    auto started = run({ "-d", "--name", "web", "-p", "127.0.0.1:" + port + ":8080", "app:1", "httpd", "-f", "-p", "8080", "-h", "/srv" });
    ASSERT_EQ(started.exit_code, 0) << started.err;
    CommandResult fetched;
    for (int attempt = 0; attempt < 100 && fetched.exit_code != 0; attempt++) {
        fetched = run_command({ "curl", "-sf", "--max-time", "5", "http://127.0.0.1:" + port + "/index.html" }, std::chrono::seconds(10));
        if (fetched.exit_code != 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(fetched.exit_code, 0) << fetched.err;
    EXPECT_EQ(fetched.out, "served from the container\n");
    EXPECT_EQ(vmlet({ "rm", "-f", "web" }).exit_code, 0);
}

TEST_P(RunTest, TwoContainersFromOneImageHaveSeparateWritableLayers)
{
    // Two at once (each a VM in vm isolation: no more, so the nested-KVM test VM is not overloaded).
    ASSERT_EQ(run({ "-d", "--name", "first", "app:1", "sh", "-c", "echo mine > /srv/note; sleep 60" }).exit_code, 0);
    auto second = run({ "--rm", "app:1", "sh", "-c", "cat /srv/note 2>/dev/null || echo absent; echo theirs > /srv/note" });
    EXPECT_EQ(second.out, "absent\n");
    EXPECT_NE(vmlet({ "ps" }).out.find("first"), std::string::npos) << "the first container was not running alongside";
    // The image itself is unchanged: its layers are read-only lowers.
    for (const auto& entry : fs::recursive_directory_iterator(s_store->root() + "/layers"))
        EXPECT_NE(entry.path().filename(), "note") << entry.path();
    EXPECT_EQ(vmlet({ "rm", "-f", "first" }).exit_code, 0);
}

TEST_P(RunTest, MemoryAndPidsLimitsAreEnforced)
{
    // 64 MB of 'a's cannot fit in 32 MiB: the kernel kills the shell (OOM).
    auto memory = run({ "--rm", "--memory", "32m", "app:1", "sh", "-c", "x=$(head -c 64000000 /dev/zero | tr '\\0' a); echo survived" });
    EXPECT_NE(memory.exit_code, 0);
    EXPECT_EQ(memory.out.find("survived"), std::string::npos) << memory.out;

    // Twenty background sleeps: fine without a limit; with --pids-limit 10 the shell's fork fails.
    const std::string spawn = "i=0; while [ $i -lt 20 ]; do sleep 5 & i=$((i+1)); done; echo spawned";
    auto unlimited = run({ "--rm", "app:1", "sh", "-c", spawn });
    EXPECT_EQ(unlimited.out, "spawned\n") << unlimited.err;
    EXPECT_EQ(unlimited.err, "");
    auto limited = run({ "--rm", "--pids-limit", "10", "app:1", "sh", "-c", spawn });
    EXPECT_NE(limited.err.find("fork"), std::string::npos) << "out: " << limited.out << " err: " << limited.err;
}

TEST_P(RunTest, BadInputsAreOneLineErrors)
{
    auto expect = [&](ProcessResult result, int code, const std::string& text) {
        EXPECT_EQ(result.exit_code, code) << result.out << result.err;
        EXPECT_NE(result.err.find(text), std::string::npos) << "expected '" << text << "' in: " << result.err;
        EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    };
    expect(run({ "--pull", "never", "nothere:1" }), 125, "no such image: nothere:1");
    expect(run({ "--pull", "never", "Bad::Ref" }), 125, "Bad::Ref");
    expect(run({ "--rm", "app:1", "/no/such/program" }), 127, "/no/such/program");
    expect(run({ "--rm", "app:1", "/srv/index.html" }), 126, "/srv/index.html");
    expect(run({ "--rm", "--memory", "lots", "app:1" }), 125, "invalid size 'lots'");
    expect(run({ "--rm", "-p", "99999:80", "app:1" }), 125, "99999");
    expect(run({ "--rm", "-w", "relative", "app:1" }), 125, "absolute path");
    // A flag run does not have is reported as one, not taken for the image's name.
    expect(run({ "--rm", "--volumes-from", "other", "app:1" }), 125, "unknown flag '--volumes-from'");
    // --entrypoint "" drops the image's Cmd too: nothing is left to run.
    expect(run({ "--rm", "--entrypoint", "", "entry:1" }), 125, "no command specified");
    EXPECT_EQ(vmlet({ "ps", "-a", "-q" }).out, "") << "a failed run left a container";
}

}

namespace vmlet::test {

// Two containers of one image never share random numbers, and each has the host's time: VM
// containers are clones of one template (guest/agent/agent_protocol.h, "Templates"), which would
// otherwise share both.
TEST_P(RunTest, ContainersHaveTheirOwnRandomnessAndTheHostsClock)
{
    auto sample = [&] {
        auto result = run({ "--rm", "app:1", "sh", "-c", "head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n'; echo; date +%s" });
        EXPECT_EQ(result.exit_code, 0) << result.err;
        return result.out;
    };
    auto before = std::time(nullptr);
    auto first = sample();
    auto second = sample();
    auto after = std::time(nullptr);
    ASSERT_EQ(std::count(first.begin(), first.end(), '\n'), 2) << first;
    ASSERT_EQ(std::count(second.begin(), second.end(), '\n'), 2) << second;
    auto random = [](const std::string& out) { return out.substr(0, out.find('\n')); };
    auto clock = [](const std::string& out) { return std::stol(out.substr(out.find('\n') + 1)); };
    EXPECT_EQ(random(first).size(), 32u) << first;
    EXPECT_NE(random(first), random(second));
    for (const auto& out : { first, second }) {
        EXPECT_GE(clock(out), before - 1) << out;
        EXPECT_LE(clock(out), after + 1) << out;
    }
}

// VM containers restore their image's template, built by the first of them; --no-template boots.
TEST_P(RunTest, VmContainersRestoreTheirImagesTemplate)
{
    if (GetParam() != "vm")
        GTEST_SKIP() << "templates are VM snapshots";
    ASSERT_EQ(run({ "--rm", "app:1", "true" }).exit_code, 0);
    auto listed = vmlet({ "template", "ls" });
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    EXPECT_NE(listed.out.find("app:1"), std::string::npos) << listed.out;
    EXPECT_NE(listed.out.find(" yes"), std::string::npos) << listed.out;
    auto key = listed.out.substr(listed.out.find('\n') + 1, 32);
    auto booted = run({ "--rm", "--no-template", "app:1", "echo", "cold" });
    EXPECT_EQ(booted.exit_code, 0) << booted.err;
    EXPECT_EQ(booted.out, "cold\n");
    EXPECT_EQ(vmlet({ "template", "prune" }).out, "Removed 0 templates\n");
    EXPECT_EQ(vmlet({ "template", "rm", key.substr(0, 8) }).exit_code, 0);
    EXPECT_EQ(vmlet({ "template", "ls" }).out.find(key), std::string::npos);
    auto rebuilt = vmlet({ "template", "build", "app:1" });
    EXPECT_EQ(rebuilt.exit_code, 0) << rebuilt.err;
    EXPECT_EQ(rebuilt.out, key + "\n");
}

}

namespace vmlet::test {

// A hostile image's /etc/passwd is a FIFO: vmlet never waits on it (run and exec, as root by number
// and by a name it then cannot find), and the store's lock is not held up either.
TEST_P(RunTest, AnImagesFifoPasswdHoldsNothingUp)
{
    auto ran = run({ "--rm", "fifo:1" }, { .timeout = std::chrono::seconds(GetParam() == "vm" ? 300 : 30) });
    EXPECT_EQ(ran.exit_code, 0) << ran.err;
    EXPECT_EQ(ran.out, "ran\n");
    auto named = run({ "--rm", "-u", "app", "fifo:1" }, { .timeout = std::chrono::seconds(GetParam() == "vm" ? 300 : 30) });
    EXPECT_FALSE(named.timed_out);
    EXPECT_NE(named.exit_code, 0);
    EXPECT_NE(named.err.find("app"), std::string::npos) << named.err;
    EXPECT_EQ(vmlet({ "images", "-q" }, { .timeout = std::chrono::seconds(30) }).exit_code, 0);
}

}

namespace vmlet::test {

// A container that takes no notice of `stop` (here: its VM, or its first process, frozen with
// SIGSTOP, as a hostile guest would ignore the agent) is killed once the grace period is over.
TEST_P(RunTest, AContainerThatIgnoresStopIsKilledAfterTheGracePeriod)
{
    auto started = run({ "-d", "--name", "frozen", "app:1", "sleep", "600" });
    ASSERT_EQ(started.exit_code, 0) << started.err;
    auto id = started.out.substr(0, 64);
    auto container = static_cast<pid_t>(record_number(s_store->root(), id, "container_pid"));
    ASSERT_GT(container, 0);
    ASSERT_EQ(::kill(container, SIGSTOP), 0);
    auto stopped = vmlet({ "stop", "-t", "2", "frozen" });
    EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
    EXPECT_FALSE(process_runs(container));
    auto listing = vmlet({ "ps", "-a" }).out;
    EXPECT_NE(listing.find("Exited (137)"), std::string::npos) << listing;
    EXPECT_EQ(vmlet({ "rm", "frozen" }).exit_code, 0);
}

}

namespace vmlet::test {

namespace {

// The pid of a running mkfs.ext4 whose command line names `text`, or 0.
pid_t mkfs_naming(const std::string& text)
{
    for (const auto& entry : fs::directory_iterator("/proc")) {
        auto name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos)
            continue;
        std::ifstream file(entry.path() / "cmdline");
        std::string cmdline((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
        if (cmdline.starts_with("mkfs.ext4") && cmdline.find(text) != std::string::npos)
            return static_cast<pid_t>(std::stol(name));
    }
    return 0;
}

}

// vmlet killed while it builds an image's disk for vm isolation leaves no mount behind (the
// overlay it builds from lives in a mount namespace of the build's own) and no mkfs running, and the
// next command that changes the store works. The disk is built on the host before any VM runs, so
// this runs once, in the process suite.
TEST_P(RunTest, AKilledDiskBuildLeavesNoMountBehind)
{
    if (GetParam() != "process")
        GTEST_SKIP() << "the disk build is the same for both suites";
    ImageSpec spec;
    spec.cmd = { "true" };
    // Big enough that mkfs.ext4 runs a while.
    spec.extra_files = { { "/srv/bulk", std::string(48 << 20, 'b'), 0644 } };
    auto archive = s_store->scratch.file("disk.tar");
    write_docker_save_archive(archive, spec, "disk:1");
    ASSERT_EQ(vmlet({ "load", "-i", archive }).exit_code, 0);

    BackgroundProcess building({ vmlet_binary(), "--root", s_store->root(), "run", "--rm", "--isolation=vm", "--no-template", "disk:1" },
        s_store->scratch.file("building.log"));
    pid_t mkfs = 0;
    for (int attempt = 0; attempt < 600 && !(mkfs = mkfs_naming(s_store->root())); ++attempt)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_GT(mkfs, 0) << "the disk build never started";
    ASSERT_EQ(::kill(building.pid(), SIGKILL), 0);
    for (int attempt = 0; attempt < 500 && process_runs(mkfs); ++attempt)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_FALSE(process_runs(mkfs)) << "mkfs.ext4 outlived the vmlet that started it";
    std::ifstream mounts("/proc/self/mountinfo");
    for (std::string line; std::getline(mounts, line);)
        EXPECT_EQ(line.find(s_store->root()), std::string::npos) << "left mounted: " << line;
    // Exclusive commands clear the killed build's leftovers and go on: the container it had
    // created, then its image.
    auto left = vmlet({ "ps", "-a", "-q" }).out;
    ASSERT_EQ(left.size(), 13u) << left;
    EXPECT_EQ(vmlet({ "rm", left.substr(0, 12) }).exit_code, 0);
    auto removed = vmlet({ "rmi", "disk:1" });
    EXPECT_EQ(removed.exit_code, 0) << removed.err;
}

}

namespace vmlet::test {

// The store is its owner's alone: another local user can neither run an image's (or a container's
// writable layer's) setuid files nor read a container's logs.
TEST_P(RunTest, TheStoreIsItsOwnersAlone)
{
    auto started = run({ "-d", "--name", "private", "app:1", "sh", "-c", "echo out; sleep 60" });
    ASSERT_EQ(started.exit_code, 0) << started.err;
    auto id = started.out.substr(0, 64);
    struct stat root {};
    ASSERT_EQ(::stat(s_store->root().c_str(), &root), 0);
    EXPECT_EQ(root.st_mode & 07777, 0700u);
    struct stat log {};
    ASSERT_EQ(::stat((s_store->root() + "/containers/" + id + "/container.log").c_str(), &log), 0);
    EXPECT_EQ(log.st_mode & 07777, 0640u);
    pid_t child = ::fork();
    if (child == 0) {
        bool refused = ::setgid(65534) == 0 && ::setuid(65534) == 0 && ::access((s_store->root() + "/layers").c_str(), X_OK) < 0 && errno == EACCES;
        ::_exit(refused ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "another user reached into the store";
    EXPECT_EQ(vmlet({ "rm", "-f", "private" }).exit_code, 0);
}

}

namespace vmlet::test {

namespace {

// The "cgroups" of a container's record: where its processes, or its VM's monitor, run.
std::vector<std::string> record_cgroups(const std::string& root, const std::string& id)
{
    std::ifstream file(root + "/containers/" + id + "/container.json");
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    std::vector<std::string> directories;
    static const std::regex quoted("\"(/[^\"]+)\"");
    auto list = text.find("\"cgroups\": [");
    if (list == std::string::npos)
        return directories;
    auto end = text.find(']', list);
    std::string entries = text.substr(list, end - list);
    for (std::sregex_iterator at(entries.begin(), entries.end(), quoted), none; at != none; ++at)
        directories.push_back((*at)[1]);
    return directories;
}

}

// --cpus 0.5 holds the whole container to half a CPU: its processes, or in vm isolation the VM's
// monitor with every vCPU, run in a cgroup whose CFS quota throttles a busy loop (cpu.stat's
// nr_throttled counts the periods it was held back). A VM container's monitor is bounded in memory
// too: guest RAM and the monitor's own need, not unlimited.
TEST_P(RunTest, TheCpusLimitThrottlesTheWholeContainer)
{
    auto started = run({ "-d", "--cpus", "0.5", "app:1", "sh", "-c", "echo spinning; while :; do :; done" });
    ASSERT_EQ(started.exit_code, 0) << started.err;
    auto id = started.out.substr(0, 64);
    for (int attempt = 0; attempt < 600 && vmlet({ "logs", id }).out.find("spinning") == std::string::npos; attempt++)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::this_thread::sleep_for(std::chrono::seconds(1));
    auto container = record_number(s_store->root(), id, "container_pid");
    auto directories = record_cgroups(s_store->root(), id);
    ASSERT_FALSE(directories.empty()) << "the container runs in no cgroup";
    long throttled = -1;
    std::optional<uint64_t> memory_limit;
    for (const auto& directory : directories) {
        auto procs = read_text(fs::path(directory) / "cgroup.procs");
        EXPECT_NE(("\n" + procs).find("\n" + std::to_string(container) + "\n"), std::string::npos) << directory << " lacks " << container;
        auto stat = read_text(fs::path(directory) / "cpu.stat");
        if (auto at = stat.find("nr_throttled "); at != std::string::npos)
            throttled = std::stol(stat.substr(at + 13));
        for (auto name : { "memory.limit_in_bytes", "memory.max" }) {
            if (fs::exists(fs::path(directory) / name))
                memory_limit = std::stoull(read_text(fs::path(directory) / name));
        }
    }
    EXPECT_GT(throttled, 0) << "a busy loop under --cpus 0.5 was never throttled";
    if (GetParam() == "vm") {
        ASSERT_TRUE(memory_limit.has_value());
        EXPECT_LE(*memory_limit, uint64_t(1) << 30) << "the VM's monitor may use any amount of memory";
    }
    EXPECT_EQ(vmlet({ "rm", "-f", id }).exit_code, 0);
}

}

namespace vmlet::test {

// A container that writes much keeps the host's disk to --log-opt's limits: container.log and one
// older generation, each at most max-size, and logs still shows its newest lines. A bad --log-opt
// is a one-line error before any container exists.
TEST_P(RunTest, TheLogIsKeptToItsLimits)
{
    auto ran = run({ "--log-opt", "max-size=64k", "--log-opt", "max-file=2", "--name", "chatty", "app:1", "sh", "-c",
        "i=0; while [ $i -lt 5000 ]; do echo \"line $i of a container that says a lot\"; i=$((i+1)); done" });
    ASSERT_EQ(ran.exit_code, 0) << ran.err;
    EXPECT_NE(ran.out.find("line 0 of"), std::string::npos); // the screen gets everything
    fs::path directory;
    for (const auto& entry : fs::directory_iterator(fs::path(s_store->root()) / "containers"))
        if (fs::exists(entry.path() / "container.log"))
            directory = entry.path();
    ASSERT_FALSE(directory.empty());
    EXPECT_LE(fs::file_size(directory / "container.log"), 64u << 10);
    EXPECT_LE(fs::file_size(directory / "container.log.1"), 64u << 10);
    EXPECT_FALSE(fs::exists(directory / "container.log.2"));
    EXPECT_EQ(vmlet({ "logs", "--tail", "1", "chatty" }).out, "line 4999 of a container that says a lot\n");
    auto bad = run({ "--rm", "--log-opt", "max-file=0", "app:1" });
    EXPECT_EQ(bad.exit_code, 125);
    EXPECT_NE(bad.err.find("--log-opt max-file: '0' is not a number from 1 to"), std::string::npos) << bad.err;
    auto tiny = run({ "--rm", "--log-opt", "max-size=100", "app:1" });
    EXPECT_EQ(tiny.exit_code, 125);
    EXPECT_NE(tiny.err.find("--log-opt max-size: must be at least 1024 bytes"), std::string::npos) << tiny.err;
}

}
