// `vmlet inspect` of containers and `vmlet pause` / `unpause`, for each isolation, on the run
// tests' image and store (run_test.h).
#include "tests/integration/run_test.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <thread>

namespace vmlet::test {

namespace {

using nlohmann::json;

// The single element of `vmlet inspect NAME`.
json inspected(const ProcessResult& result)
{
    auto all = json::parse(result.out, nullptr, false);
    if (all.is_discarded() || !all.is_array() || all.size() != 1)
        return json();
    return all[0];
}

size_t line_count(const std::string& text)
{
    return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

}

TEST_P(RunTest, InspectShowsARunningAndAnExitedContainer)
{
    auto started = run({ "-d", "--name", "looked", "app:1", "sleep", "600" });
    ASSERT_EQ(started.exit_code, 0) << started.err;
    auto id = started.out.substr(0, 64);
    auto running = inspected(vmlet({ "inspect", "looked" }));
    ASSERT_TRUE(running.is_object()) << vmlet({ "inspect", "looked" }).out;
    EXPECT_EQ(running["Id"], id);
    EXPECT_EQ(running["Name"], "/looked");
    EXPECT_EQ(running["Path"], "sleep");
    EXPECT_EQ(running["Args"], json({ "600" }));
    EXPECT_EQ(running["Config"]["Image"], "app:1");
    EXPECT_EQ(running["Config"]["WorkingDir"], "/srv");
    EXPECT_TRUE(std::ranges::count(running["Config"]["Env"], json("GREETING=hi"))) << running["Config"]["Env"];
    EXPECT_TRUE(running["Image"].get<std::string>().starts_with("sha256:"));
    EXPECT_EQ(running["State"]["Status"], "running");
    EXPECT_EQ(running["State"]["Running"], true);
    EXPECT_EQ(running["State"]["Paused"], false);
    EXPECT_GT(running["State"]["Pid"].get<int>(), 0);
    EXPECT_EQ(running["State"]["FinishedAt"], "0001-01-01T00:00:00Z");
    EXPECT_EQ(running["HostConfig"]["Isolation"], GetParam());
    EXPECT_EQ(running["HostConfig"]["NetworkMode"], "bridge");
    EXPECT_EQ(running["Mounts"], json::array());
    // Its address on the default network, as its own eth0 has it.
    auto address = running["NetworkSettings"]["Networks"]["bridge"]["IPAddress"].get<std::string>();
    EXPECT_TRUE(address.starts_with("10.88.")) << running["NetworkSettings"];
    auto own = vmlet({ "exec", "looked", "sh", "-c", "ip -4 -o addr show eth0" });
    EXPECT_NE(own.out.find(" " + address + "/"), std::string::npos) << own.out << own.err;
    // docker inspect --format with a dotted path; an id prefix names it too.
    EXPECT_EQ(vmlet({ "inspect", "-f", "{{.State.Status}} {{.Name}}", id.substr(0, 12) }).out, "running /looked\n");

    ASSERT_EQ(vmlet({ "stop", "-t", "1", "looked" }).exit_code, 0);
    auto stopped = inspected(vmlet({ "inspect", "looked" }));
    EXPECT_EQ(stopped["State"]["Status"], "exited");
    EXPECT_EQ(stopped["State"]["Running"], false);
    EXPECT_EQ(stopped["State"]["ExitCode"], 137);
    EXPECT_EQ(stopped["State"]["Pid"], 0);
    EXPECT_NE(stopped["State"]["FinishedAt"], "0001-01-01T00:00:00Z");

    ASSERT_EQ(run({ "--name", "ended", "app:1", "sh", "-c", "exit 3" }).exit_code, 3);
    EXPECT_EQ(vmlet({ "inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", "ended" }).out, "exited 3\n");
    // Containers and images share inspect; a name that is neither is a one-line error.
    auto both = json::parse(vmlet({ "inspect", "ended", "app:1" }).out, nullptr, false);
    ASSERT_TRUE(both.is_array() && both.size() == 2) << both;
    EXPECT_EQ(both[0]["Name"], "/ended");
    EXPECT_TRUE(both[1].contains("RepoTags"));
    auto missing = vmlet({ "inspect", "nothing-here" });
    EXPECT_EQ(missing.exit_code, 125);
    EXPECT_EQ(line_count(missing.err), 1u) << missing.err;
    EXPECT_EQ(missing.out, "");
    auto bad_format = vmlet({ "inspect", "-f", "{{.State.Nope}}", "ended" });
    EXPECT_EQ(bad_format.exit_code, 125);
    EXPECT_EQ(line_count(bad_format.err), 1u) << bad_format.err;
}

TEST_P(RunTest, PauseStopsTheContainersProcessesUntilUnpaused)
{
    // A counter, one line of the log every 0.1 s (slower in a VM, where each sleep is a fork).
    auto started = run({ "-d", "--name", "counter", "app:1", "sh", "-c", "i=0; while true; do i=$((i+1)); echo $i; sleep 0.1; done" });
    ASSERT_EQ(started.exit_code, 0) << started.err;
    auto lines = [&] { return line_count(vmlet({ "logs", "counter" }).out); };
    auto advances = [&](std::chrono::seconds within) {
        auto before = lines();
        for (auto deadline = std::chrono::steady_clock::now() + within; std::chrono::steady_clock::now() < deadline;) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            if (lines() > before)
                return true;
        }
        return false;
    };
    ASSERT_TRUE(advances(std::chrono::seconds(30)));

    auto paused = vmlet({ "pause", "counter" });
    ASSERT_EQ(paused.exit_code, 0) << paused.err;
    EXPECT_EQ(paused.out, "counter\n");
    // What was on its way to the log lands; then nothing more for over a second.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto at_pause = lines();
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_EQ(lines(), at_pause);
    EXPECT_EQ(vmlet({ "inspect", "-f", "{{.State.Status}} {{.State.Running}} {{.State.Paused}}", "counter" }).out, "paused true true\n");
    auto listing = vmlet({ "ps" }).out;
    EXPECT_NE(listing.find("(Paused)"), std::string::npos) << listing;
    // Docker's refusals: pause twice, exec into a paused container.
    auto twice = vmlet({ "pause", "counter" });
    EXPECT_EQ(twice.exit_code, 125);
    EXPECT_NE(twice.err.find("already paused"), std::string::npos) << twice.err;
    auto exec = vmlet({ "exec", "counter", "true" });
    EXPECT_EQ(exec.exit_code, 125);
    EXPECT_NE(exec.err.find("paused"), std::string::npos) << exec.err;

    auto unpaused = vmlet({ "unpause", "counter" });
    ASSERT_EQ(unpaused.exit_code, 0) << unpaused.err;
    EXPECT_TRUE(advances(std::chrono::seconds(30)));
    EXPECT_EQ(vmlet({ "inspect", "-f", "{{.State.Status}}", "counter" }).out, "running\n");
    auto again = vmlet({ "unpause", "counter" });
    EXPECT_EQ(again.exit_code, 125);
    EXPECT_NE(again.err.find("not paused"), std::string::npos) << again.err;

    // A paused container still stops (its shell, pid 1, ignores SIGTERM: killed after the grace).
    ASSERT_EQ(vmlet({ "pause", "counter" }).exit_code, 0);
    auto stopped = vmlet({ "stop", "-t", "1", "counter" }, { .timeout = std::chrono::seconds(60) });
    EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
    EXPECT_EQ(vmlet({ "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "counter" }).out, "exited 137\n");
    auto not_running = vmlet({ "pause", "counter" });
    EXPECT_EQ(not_running.exit_code, 125);
    EXPECT_NE(not_running.err.find("not running"), std::string::npos) << not_running.err;

    // And rm -f takes a paused one away whole (TearDown checks its cgroups and sockets are gone).
    ASSERT_EQ(run({ "-d", "--name", "frozen", "app:1", "sleep", "600" }).exit_code, 0);
    ASSERT_EQ(vmlet({ "pause", "frozen" }).exit_code, 0);
    auto removed = vmlet({ "rm", "-f", "frozen" }, { .timeout = std::chrono::seconds(60) });
    EXPECT_EQ(removed.exit_code, 0) << removed.err;
    EXPECT_EQ(vmlet({ "ps", "-a" }).out.find("frozen"), std::string::npos);
}

TEST_P(RunTest, TopListsTheContainersProcesses)
{
    ASSERT_EQ(run({ "-d", "--name", "busy", "app:1", "sh", "-c", "sleep 600 & exec sleep 601" }).exit_code, 0);
    ProcessResult top;
    for (int attempt = 0; attempt < 600; attempt++) {
        top = vmlet({ "top", "busy" });
        // Until the shell has started one and become the other (its own line names both).
        if (top.out.find("  sleep 600\n") != std::string::npos && top.out.find("  sleep 601\n") != std::string::npos)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(top.exit_code, 0) << top.err;
    EXPECT_TRUE(top.out.starts_with("UID ")) << top.out;
    EXPECT_EQ(line_count(top.out), 3u) << top.out;
    EXPECT_NE(top.out.find("  sleep 600\n"), std::string::npos) << top.out;
    EXPECT_NE(top.out.find("  sleep 601\n"), std::string::npos) << top.out;
    // A process container's are host pids, the first process's the record's; a VM container's are
    // its pid namespace's, in which its command is 1 (the VM's monitor is the record's).
    auto pid = GetParam() == "vm" ? std::string("1") : vmlet({ "inspect", "-f", "{{.State.Pid}}", "busy" }).out;
    if (GetParam() != "vm") {
        ASSERT_TRUE(pid.ends_with("\n")) << pid;
        pid.pop_back();
    }
    std::string column = " ";
    column.append(pid).append(" ");
    EXPECT_NE(top.out.find(column), std::string::npos) << top.out << pid;
    ASSERT_EQ(vmlet({ "rm", "-f", "busy" }).exit_code, 0);
    auto gone = vmlet({ "top", "busy" });
    EXPECT_EQ(gone.exit_code, 125);
    EXPECT_EQ(line_count(gone.err), 1u) << gone.err;
}

TEST_P(RunTest, StatsNoStreamSamplesCpuMemoryAndPids)
{
    // A busy loop in its first process (guest user code runs natively in a VM, so its monitor's
    // vCPU thread is busy too), and a sleeping second one.
    ASSERT_EQ(run({ "-d", "--name", "spinner", "--memory", "64m", "app:1", "sh", "-c", "sleep 600 & while :; do :; done" }).exit_code, 0);
    // Until the shell has started its second process (a fork is interpreted kernel work on PVM hosts).
    for (int attempt = 0; attempt < 600 && vmlet({ "top", "spinner" }).out.find("  sleep 600\n") == std::string::npos; attempt++)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::this_thread::sleep_for(std::chrono::seconds(1));
    auto stats = vmlet({ "stats", "--no-stream", "spinner" });
    ASSERT_EQ(stats.exit_code, 0) << stats.err;
    ASSERT_EQ(line_count(stats.out), 2u) << stats.out;
    EXPECT_TRUE(stats.out.starts_with("CONTAINER ID ")) << stats.out;
    auto row = stats.out.substr(stats.out.find('\n') + 1);
    std::istringstream fields(row);
    std::string id, name, cpu, usage, slash, limit, memory_percent, net, block;
    long pids = 0;
    fields >> id >> name >> cpu >> usage >> slash >> limit >> memory_percent >> net >> block >> pids;
    EXPECT_EQ(name, "spinner");
    EXPECT_GT(std::atof(cpu.c_str()), 20.0) << row;
    EXPECT_TRUE(usage.ends_with("iB") && std::atof(usage.c_str()) > 0) << row;
    if (GetParam() == "process") {
        EXPECT_EQ(limit, "64MiB") << row;
    }
    EXPECT_EQ(pids, 2) << row; // sh and sleep (a VM container's, as its guest counts them)
    // Every running container when none is named; a stopped one is a one-line refusal.
    EXPECT_NE(vmlet({ "stats", "--no-stream" }).out.find("spinner"), std::string::npos);
    ASSERT_EQ(vmlet({ "rm", "-f", "spinner" }).exit_code, 0);
    ASSERT_EQ(run({ "--name", "done", "app:1", "true" }).exit_code, 0);
    auto stopped = vmlet({ "stats", "--no-stream", "done" });
    EXPECT_EQ(stopped.exit_code, 125);
    EXPECT_EQ(line_count(stopped.err), 1u) << stopped.err;
}

TEST_P(RunTest, ContainerPruneRemovesOnlyStoppedContainers)
{
    auto first = run({ "--name", "ended1", "app:1", "true" });
    auto second = run({ "--name", "ended2", "app:1", "sh", "-c", "echo kept > /srv/file; exit 2" });
    ASSERT_EQ(first.exit_code, 0) << first.err;
    ASSERT_EQ(second.exit_code, 2) << second.err;
    ASSERT_EQ(run({ "-d", "--name", "alive", "app:1", "sleep", "600" }).exit_code, 0);
    auto ids = vmlet({ "ps", "-a", "-q" }).out;
    ASSERT_EQ(line_count(ids), 3u) << ids;
    // container inspect knows containers only.
    EXPECT_EQ(vmlet({ "container", "inspect", "-f", "{{.State.ExitCode}}", "ended2" }).out, "2\n");
    auto not_container = vmlet({ "container", "inspect", "app:1" });
    EXPECT_EQ(not_container.exit_code, 125);
    EXPECT_EQ(line_count(not_container.err), 1u) << not_container.err;

    // Without -f it asks, and "no" keeps everything.
    auto declined = vmlet({ "container", "prune" }, { .input = "n\n" });
    EXPECT_EQ(declined.exit_code, 0) << declined.err;
    EXPECT_NE(declined.out.find("Are you sure you want to continue? [y/N]"), std::string::npos) << declined.out;
    EXPECT_EQ(line_count(vmlet({ "ps", "-a", "-q" }).out), 3u);

    auto ended1 = vmlet({ "inspect", "-f", "{{.Id}}", "ended1" }).out, ended2 = vmlet({ "inspect", "-f", "{{.Id}}", "ended2" }).out;
    auto pruned = vmlet({ "container", "prune", "-f" });
    EXPECT_EQ(pruned.exit_code, 0) << pruned.err;
    EXPECT_TRUE(pruned.out.starts_with("Deleted Containers:\n")) << pruned.out;
    EXPECT_NE(pruned.out.find(ended1), std::string::npos) << pruned.out;
    EXPECT_NE(pruned.out.find(ended2), std::string::npos) << pruned.out;
    EXPECT_NE(pruned.out.find("Total reclaimed space: "), std::string::npos) << pruned.out;
    auto left = vmlet({ "ps", "-a" }).out;
    EXPECT_EQ(line_count(left), 2u) << left;
    EXPECT_NE(left.find("alive"), std::string::npos) << left;
    // Nothing more to prune.
    EXPECT_EQ(vmlet({ "container", "prune", "-f" }).out, "Total reclaimed space: 0B\n");
}

TEST_P(RunTest, PsFiltersByStatusAndNameAndFormatsItsRows)
{
    ASSERT_EQ(run({ "--name", "ended", "app:1", "true" }).exit_code, 0);
    ASSERT_EQ(run({ "-d", "--name", "alive", "app:1", "sleep", "600" }).exit_code, 0);
    // A status filter lists stopped containers without -a, as Docker's does.
    EXPECT_EQ(vmlet({ "ps", "--filter", "status=exited", "--format", "{{.Names}} {{.State}}" }).out, "ended exited\n");
    EXPECT_EQ(vmlet({ "ps", "--format", "{{.Names}}" }).out, "alive\n");
    EXPECT_EQ(vmlet({ "ps", "-a", "--filter", "name=liv", "--format", "{{.Names}} {{.Isolation}}" }).out, "alive " + GetParam() + "\n");
    EXPECT_EQ(line_count(vmlet({ "ps", "-a", "-q", "--filter", "isolation=" + GetParam() }).out), 2u);
    ASSERT_EQ(vmlet({ "pause", "alive" }).exit_code, 0);
    EXPECT_EQ(vmlet({ "ps", "--filter", "status=paused", "--format", "{{.Names}}" }).out, "alive\n");
    EXPECT_EQ(vmlet({ "ps", "--filter", "status=running", "--format", "{{.Names}}" }).out, "");
    // json: one object per line with Docker's keys.
    auto rows = vmlet({ "ps", "-a", "--format", "json" }).out;
    ASSERT_EQ(line_count(rows), 2u) << rows;
    auto first = json::parse(rows.substr(0, rows.find('\n')), nullptr, false);
    ASSERT_TRUE(first.is_object()) << rows;
    for (const char* key : { "ID", "Image", "Command", "CreatedAt", "RunningFor", "Status", "State", "Names", "Networks", "Mounts" })
        EXPECT_TRUE(first.contains(key)) << key << " " << rows;
    auto bad = vmlet({ "ps", "--filter", "label=a=b" });
    EXPECT_EQ(bad.exit_code, 125);
    EXPECT_EQ(line_count(bad.err), 1u) << bad.err;
    ASSERT_EQ(vmlet({ "rm", "-f", "alive" }).exit_code, 0);
}

}

namespace vmlet::test {

// system df: a running container and the volume it uses are active; once it is removed both are
// reclaimable, and the volume's size is what was written to it.
TEST_P(RunTest, SystemDfCountsWhatIsInUse)
{
    ASSERT_EQ(run({ "-d", "--name", "user", "-v", "df-data:/data", "app:1", "sh", "-c", "head -c 2097152 /dev/zero > /data/f && echo ready && exec sleep 600" })
                  .exit_code,
        0);
    for (int attempt = 0; attempt < 600 && vmlet({ "logs", "user" }).out != "ready\n"; attempt++)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_EQ(vmlet({ "logs", "user" }).out, "ready\n");
    auto line_of = [](const std::string& table, const std::string& type) {
        auto start = table.find("\n" + type + " ");
        return start == std::string::npos ? std::string() : table.substr(start + 1, table.find('\n', start + 1) - start - 1);
    };
    auto df = vmlet({ "system", "df" });
    EXPECT_EQ(df.exit_code, 0) << df.err;
    EXPECT_TRUE(df.out.starts_with("TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE\n")) << df.out;
    EXPECT_TRUE(line_of(df.out, "Containers").starts_with("Containers      1         1 ")) << df.out;
    EXPECT_TRUE(line_of(df.out, "Local Volumes").starts_with("Local Volumes   1         1         2.1MB     0B (0%)")) << df.out;
    // The tests' store has other images, of which this container's is the one in use.
    std::istringstream images(line_of(df.out, "Images"));
    std::string type, total, active;
    images >> type >> total >> active;
    EXPECT_EQ(active, "1") << df.out;
    ASSERT_EQ(vmlet({ "rm", "-f", "user" }, { .timeout = std::chrono::seconds(60) }).exit_code, 0);
    df = vmlet({ "system", "df" });
    EXPECT_TRUE(line_of(df.out, "Containers").starts_with("Containers      0         0         0B")) << df.out;
    EXPECT_TRUE(line_of(df.out, "Local Volumes").starts_with("Local Volumes   1         0         2.1MB     2.1MB (100%)")) << df.out;
    EXPECT_EQ(vmlet({ "volume", "rm", "df-data" }).exit_code, 0);
}

}
