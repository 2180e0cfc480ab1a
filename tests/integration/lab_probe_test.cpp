// vmlet-probe (guest/probe), the probe `vmlet compare` runs: on the host, the baseline, and in a
// process container, where what it reports must be what process isolation does (the same
// boundary run_security_test.cpp checks with shell commands).
#include "tests/integration/vmlet_process.h"
#include "tests/support/command.h"
#include "tests/support/host_lock.h"
#include "tests/support/oci_image_builder.h"
#include "tests/support/temporary_directory.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/utsname.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

namespace vmlet::test {

namespace {

const std::set<std::string> kFacts = { "kernel_release", "kernel_version", "hostname", "cpus", "memory_mib", "pid1", "processes",
    "interfaces", "mounts", "user", "capabilities" };
const std::set<std::string> kFigures = { "getppid_ns", "fork_exec_us", "cpu_loop_s", "write_64mib_mbs", "read_64mib_mbs" };
const std::set<std::string> kProbes = { "host_processes", "kernel_log", "proc_kcore", "host_disk", "load_module", "set_clock", "mount",
    "user_namespace", "keyctl", "bpf", "perf_event_open", "raise_rlimit", "host_interfaces", "write_proc_sys", "fork_bomb", "memory_hog" };

// What the probe printed, by name: each line must be one JSON object with `kind` ("fact",
// "figure", "probe") naming it.
std::map<std::string, nlohmann::json> parse_lines(const std::string& out, const std::string& kind)
{
    std::map<std::string, nlohmann::json> named;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
        auto object = nlohmann::json::parse(line, nullptr, false);
        if (object.is_discarded() || !object.is_object() || !object.contains(kind) || !object[kind].is_string()) {
            ADD_FAILURE() << "not a " << kind << " line: " << line;
            continue;
        }
        named[object[kind].get<std::string>()] = object;
    }
    return named;
}

std::set<std::string> names(const std::map<std::string, nlohmann::json>& named)
{
    std::set<std::string> keys;
    for (const auto& entry : named)
        keys.insert(entry.first);
    return keys;
}

std::string host_kernel_release()
{
    struct utsname host;
    ::uname(&host);
    return host.release;
}

// Whether this process holds capability `bit` in its effective set.
bool has_capability(unsigned bit)
{
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.starts_with("CapEff:"))
            return (std::stoull(line.substr(7), nullptr, 16) >> bit) & 1;
    return false;
}

constexpr unsigned kCapSysAdmin = 21, kCapSyslog = 34;

}

TEST(LabProbeTest, FactsOnTheHostAreTheHosts)
{
    auto result = run_command({ VMLET_PROBE, "facts" });
    ASSERT_EQ(result.exit_code, 0) << result.err;
    auto facts = parse_lines(result.out, "fact");
    EXPECT_EQ(names(facts), kFacts);
    for (const auto& [name, line] : facts)
        EXPECT_TRUE(line["value"].is_string()) << line.dump();
    EXPECT_EQ(facts["kernel_release"]["value"], host_kernel_release());
    EXPECT_GT(std::stoi(facts["cpus"]["value"].get<std::string>()), 0);
    EXPECT_GT(std::stoi(facts["memory_mib"]["value"].get<std::string>()), 0);
    EXPECT_GT(std::stoi(facts["processes"]["value"].get<std::string>()), 1);
    EXPECT_EQ(facts["user"]["value"], std::to_string(::getuid()) + ":" + std::to_string(::getgid()));
}

TEST(LabProbeTest, BoundaryOnTheHostReportsEveryProbeAndLeavesNothing)
{
    TemporaryDirectory scratch;
    auto result = run_command({ VMLET_PROBE, "boundary", "--dir", scratch.path() });
    ASSERT_EQ(result.exit_code, 0) << result.err;
    auto probes = parse_lines(result.out, "probe");
    EXPECT_EQ(names(probes), kProbes);
    for (const auto& [name, line] : probes) {
        EXPECT_TRUE(line["outcome"] == "allowed" || line["outcome"] == "denied" || line["outcome"] == "not applicable") << line.dump();
        EXPECT_TRUE(line["detail"].is_string() && !line["detail"].get<std::string>().empty()) << line.dump();
    }
    // The host is the first pid namespace; the probes that need a limit are not run without one.
    EXPECT_EQ(probes["host_processes"]["outcome"], "allowed") << probes["host_processes"].dump();
    EXPECT_EQ(probes["fork_bomb"]["detail"], "needs a pids limit");
    EXPECT_EQ(probes["memory_hog"]["detail"], "needs a memory limit");
    // What the host's administrator may do, the probe may do on the host.
    if (has_capability(kCapSysAdmin)) {
        EXPECT_EQ(probes["mount"]["outcome"], "allowed") << probes["mount"].dump();
    }
    if (has_capability(kCapSyslog)) {
        EXPECT_EQ(probes["kernel_log"]["outcome"], "allowed") << probes["kernel_log"].dump();
    }
    // The device node, the mount point: removed.
    EXPECT_EQ(scratch.entry_count(), 0u);
}

TEST(LabProbeTest, SpeedFiguresArePositiveAndItsFileIsRemoved)
{
    TemporaryDirectory scratch;
    auto result = run_command({ VMLET_PROBE, "speed", "--dir", scratch.path() });
    ASSERT_EQ(result.exit_code, 0) << result.err;
    auto figures = parse_lines(result.out, "figure");
    EXPECT_EQ(names(figures), kFigures);
    for (const auto& [name, line] : figures)
        EXPECT_TRUE(line["value"].is_number() && line["value"].get<double>() > 0) << line.dump();
    EXPECT_EQ(scratch.entry_count(), 0u);
}

TEST(LabProbeTest, SysrqRunsOnlyInAKernelThatIsNotTheHosts)
{
    // Where there is a trigger and the test may, it puts /dev/null over /proc/sysrq-trigger in a
    // mount namespace of the probe's own, so that even a broken guard would crash nothing; without
    // root the probe could not open the trigger anyway.
    const bool trigger = std::filesystem::exists("/proc/sysrq-trigger");
    auto sysrq = [trigger](std::vector<std::string> flags) {
        std::vector<std::string> argv = { VMLET_PROBE, "sysrq" };
        argv.insert(argv.end(), flags.begin(), flags.end());
        if (::geteuid() == 0 && trigger)
            argv.insert(argv.begin(), { "unshare", "--mount", "sh", "-c", "mount --bind /dev/null /proc/sysrq-trigger && exec \"$@\"", "sh" });
        return run_command(argv);
    };
    const std::string host = host_kernel_release();
    for (const auto& flags : std::vector<std::vector<std::string>> { {}, { "--i-am-in-a-vm" }, { "--host-kernel", "not-this-kernel" },
             { "--i-am-in-a-vm", "--host-kernel", host } }) {
        auto refused = sysrq(flags);
        EXPECT_EQ(refused.exit_code, 2) << ::testing::PrintToString(flags) << refused.err;
        EXPECT_EQ(refused.out, "") << ::testing::PrintToString(flags);
        EXPECT_NE(refused.err.find("vmlet-probe: sysrq refused"), std::string::npos) << refused.err;
    }
    if (::geteuid() != 0 && trigger)
        GTEST_SKIP() << "the guard's other side writes the trigger: only as root, onto /dev/null";
    // Both guards passed: it says so, then writes the trigger (here /dev/null), or finds none.
    auto attempted = sysrq({ "--i-am-in-a-vm", "--host-kernel", "not-this-kernel" });
    EXPECT_EQ(attempted.exit_code, 0) << attempted.err;
    auto lines = parse_lines(attempted.out, "probe");
    ASSERT_EQ(names(lines), std::set<std::string> { "sysrq_crash" }) << attempted.out;
    EXPECT_EQ(lines["sysrq_crash"]["outcome"], trigger ? "allowed" : "not applicable") << attempted.out;
}

namespace {

// probe:1, a busybox image with /bin/vmlet-probe, in a store of the test's own.
class ProcessContainer {
public:
    ProcessContainer()
    {
        std::ifstream binary(VMLET_PROBE, std::ios::binary);
        ImageSpec spec;
        spec.extra_files = { { "/bin/vmlet-probe", std::string(std::istreambuf_iterator<char>(binary), {}), 0755 } };
        write_docker_save_archive(m_scratch.file("probe.tar"), spec, "probe:1");
        auto loaded = vmlet({ "load", "-i", m_scratch.file("probe.tar") });
        if (loaded.exit_code != 0)
            throw std::runtime_error("vmlet load: " + loaded.err);
    }
    ~ProcessContainer()
    {
        EXPECT_EQ(vmlet({ "ps", "-a", "-q" }).out, "") << "a --rm container was left";
    }

    // `vmlet run --rm --isolation process RUN_FLAGS probe:1 vmlet-probe PROBE_ARGUMENTS`
    ProcessResult run(std::vector<std::string> run_flags, std::vector<std::string> probe_arguments)
    {
        std::vector<std::string> arguments = { "run", "--rm", "--isolation", "process" };
        arguments.insert(arguments.end(), run_flags.begin(), run_flags.end());
        arguments.insert(arguments.end(), { "probe:1", "vmlet-probe" });
        arguments.insert(arguments.end(), probe_arguments.begin(), probe_arguments.end());
        return vmlet(arguments);
    }

private:
    ProcessResult vmlet(std::vector<std::string> arguments)
    {
        arguments.insert(arguments.begin(), { "--root", m_scratch.file("root") });
        return run_vmlet(arguments, { .timeout = std::chrono::seconds(120) });
    }

    TemporaryDirectory m_scratch;
};

}

TEST(LabProbeTest, InAProcessContainerTheKernelIsTheHostsAndTheBoundaryHolds)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "containers need root (namespaces, overlayfs, cgroups)";
    HostContainersLock lock;
    ProcessContainer container;

    auto facts_run = container.run({}, { "facts" });
    ASSERT_EQ(facts_run.exit_code, 0) << facts_run.err;
    auto facts = parse_lines(facts_run.out, "fact");
    EXPECT_EQ(names(facts), kFacts);
    EXPECT_EQ(facts["kernel_release"]["value"], host_kernel_release());
    // Its own pid namespace, where the probe is pid 1 (vmlet runs the command as the container's first process).
    EXPECT_EQ(facts["pid1"]["value"], "vmlet-probe");

    auto boundary = container.run({}, { "boundary" });
    ASSERT_EQ(boundary.exit_code, 0) << boundary.err;
    auto probes = parse_lines(boundary.out, "probe");
    EXPECT_EQ(names(probes), kProbes);
    for (const auto* denied : { "host_processes", "host_disk", "keyctl", "user_namespace", "load_module", "set_clock", "mount", "bpf",
             "write_proc_sys" })
        EXPECT_EQ(probes[denied]["outcome"], "denied") << probes[denied].dump();
}

TEST(LabProbeTest, InAProcessContainerTheLimitsContainTheForkBombAndTheMemoryHog)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "containers need root (namespaces, overlayfs, cgroups)";
    HostContainersLock lock;
    ProcessContainer container;
    auto limited = container.run({ "--pids-limit", "50", "--memory", "64m" }, { "boundary", "--pids-limit-known", "--memory-limit-known" });
    ASSERT_EQ(limited.exit_code, 0) << limited.err;
    auto probes = parse_lines(limited.out, "probe");
    EXPECT_EQ(probes["fork_bomb"]["outcome"], "denied") << probes["fork_bomb"].dump();
    EXPECT_EQ(probes["memory_hog"]["outcome"], "denied") << probes["memory_hog"].dump();
    EXPECT_TRUE(probes["memory_hog"]["detail"].get<std::string>().starts_with("the process was killed at")) << probes["memory_hog"].dump();
}

}
