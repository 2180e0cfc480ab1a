// `vmlet compare` run as a user runs it, on its own lab image (busybox and vmlet-probe), and its
// JSON read back: the facts, not only the shape. Parameterised by what it compares: "process"
// (--no-vm: the host and process isolation, anywhere as root) and "vm" (every subject, needs KVM:
// labelled "kvm", so scripts/test.sh runs it in the nested harness where the host has none).
#include "tests/integration/lab_compare_test.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <optional>
#include <vector>

namespace vmlet::test {

namespace {

std::string host_kernel_release()
{
    struct utsname host;
    ::uname(&host);
    return host.release;
}

double median_of(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    auto middle = values.size() / 2;
    return values.size() % 2 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

}

void CompareTest::SetUp()
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "containers need root (namespaces, overlayfs, cgroups)";
    if (GetParam() == "vm" && !kvm_available())
        GTEST_SKIP() << "no /dev/kvm: vm isolation runs under scripts/test.sh's nested KVM";
    m_host_lock.emplace();
}

void CompareTest::TearDown()
{
    if (!m_host_lock)
        return;
    // Every container compare started is gone, the detached ones of the memory figures too.
    auto left = vmlet({ "ps", "-a", "-q" });
    EXPECT_EQ(left.exit_code, 0) << left.err;
    EXPECT_EQ(left.out, "") << "compare left containers behind";
}

ProcessResult CompareTest::vmlet(std::vector<std::string> arguments, std::chrono::seconds timeout)
{
    arguments.insert(arguments.begin(), { "--root", m_scratch.file("root") });
    return run_vmlet(arguments, { .timeout = timeout, .environment = { { "VMLET_PROBE", VMLET_PROBE } } });
}

CompareTest::Json CompareTest::compare(std::vector<std::string> arguments)
{
    arguments.insert(arguments.begin(), "compare");
    if (GetParam() == "process")
        arguments.push_back("--no-vm");
    auto report = m_scratch.file("lab.json");
    arguments.insert(arguments.end(), { "--format", "json", "-o", report });
    auto ran = vmlet(arguments, std::chrono::seconds(1500));
    EXPECT_EQ(ran.exit_code, 0) << ran.err;
    // Progress goes to the terminal (standard error), the report to its file only.
    EXPECT_NE(ran.err.find("vmlet compare: run 1 of"), std::string::npos) << ran.err;
    EXPECT_EQ(ran.out, "");
    std::ifstream file(report);
    auto parsed = Json::parse(std::string(std::istreambuf_iterator<char>(file), {}), nullptr, false);
    EXPECT_TRUE(parsed.is_object()) << "the report is not JSON";
    return parsed;
}

const CompareTest::Json& CompareTest::subject(const Json& lab, const std::string& name)
{
    static const Json none;
    for (const auto& each : lab["subjects"])
        if (each["subject"] == name)
            return each;
    ADD_FAILURE() << "no subject " << name;
    return none;
}

std::vector<std::string> CompareTest::measured_subjects() const
{
    if (GetParam() == "process")
        return { "host", "process" };
    return { "host", "process", "vm (cold)", "vm (warm)" };
}

// What each workload saw and what its boundary let through. The process container shares the
// host's kernel, the VMs run their own; the host's disk is out of reach of both isolations; the
// crash of the kernel the workload sees is tried only in a VM, where it ends that VM (compare goes
// on, so the host did too), and is refused without being tried in process isolation.
TEST_P(CompareTest, FactsAndBoundaryAreWhatEachIsolationGives)
{
    auto lab = compare({ "--runs", "1", "--only", "facts,boundary,sysrq,start" });
    auto host_kernel = host_kernel_release();
    EXPECT_EQ(lab["machine"]["kernel_release"], host_kernel);
    EXPECT_EQ(subject(lab, "host")["facts"]["kernel_release"], host_kernel);
    EXPECT_EQ(subject(lab, "process")["facts"]["kernel_release"], host_kernel);

    const auto& process = subject(lab, "process")["probes"];
    // A host with no block device (the nested harness's, whose root is 9p) has no disk to reach:
    // there the probe cannot apply, anywhere but in a VM, which has its image's disk.
    const auto& host_disk = subject(lab, "host")["probes"]["host_disk"];
    bool host_has_a_disk = host_disk["detail"].get<std::string>().find("lists no disk") == std::string::npos;
    EXPECT_EQ(process["host_disk"]["outcome"], host_has_a_disk ? "denied" : "not applicable") << process["host_disk"];
    EXPECT_EQ(process["host_processes"]["outcome"], "denied") << process["host_processes"];
    EXPECT_EQ(process["sysrq_crash"]["outcome"], "not applicable") << process["sysrq_crash"];
    EXPECT_NE(process["sysrq_crash"]["detail"].get<std::string>().find("never attempted"), std::string::npos);
    EXPECT_EQ(process["fork_bomb"]["outcome"], "denied") << process["fork_bomb"];
    EXPECT_EQ(process["memory_hog"]["outcome"], "denied") << process["memory_hog"];
    // As root on the host itself, its processes are all in sight: the baseline's boundary is none.
    EXPECT_EQ(subject(lab, "host")["probes"]["host_processes"]["outcome"], "allowed");

    if (GetParam() == "process") {
        EXPECT_FALSE(subject(lab, "vm (cold)")["measured"].get<bool>());
        EXPECT_FALSE(subject(lab, "vm (warm)")["measured"].get<bool>());
        return;
    }
    for (const char* vm : { "vm (cold)", "vm (warm)" }) {
        const auto& seen = subject(lab, vm);
        ASSERT_TRUE(seen["measured"].get<bool>()) << vm;
        auto vm_kernel = seen["facts"]["kernel_release"].get<std::string>();
        EXPECT_FALSE(vm_kernel.empty()) << vm;
        EXPECT_NE(vm_kernel, host_kernel) << vm;
        const auto& probes = seen["probes"];
        EXPECT_EQ(probes["host_disk"]["outcome"], "denied") << vm << ": " << probes["host_disk"];
        EXPECT_EQ(probes["sysrq_crash"]["outcome"], "allowed") << vm << ": " << probes["sysrq_crash"];
        EXPECT_NE(probes["sysrq_crash"]["detail"].get<std::string>().find("the VM ended"), std::string::npos) << probes["sysrq_crash"];
        EXPECT_EQ(probes["fork_bomb"]["outcome"], "denied") << vm << ": " << probes["fork_bomb"];
    }
}

// Every figure of every measured subject: positive samples, as many as --runs, and the median the
// report shows is theirs.
TEST_P(CompareTest, FiguresArePositiveSamplesAndTheirMedians)
{
    auto lab = compare({ "--runs", "2", "--only", "start,speed,tcp" });
    EXPECT_EQ(lab["machine"]["runs"], 2);
    for (const auto& name : measured_subjects()) {
        const auto& figures = subject(lab, name)["figures"];
        for (const char* figure : { "start_true_s", "first_output_s", "getppid_ns", "fork_exec_us", "cpu_loop_s", "write_64mib_mbs", "read_64mib_mbs", "tcp_mbits" }) {
            ASSERT_TRUE(figures.contains(figure)) << name << " has no " << figure;
            auto samples = figures[figure]["samples"].get<std::vector<double>>();
            ASSERT_EQ(samples.size(), 2u) << name << " " << figure;
            for (double sample : samples)
                EXPECT_GT(sample, 0) << name << " " << figure;
            EXPECT_DOUBLE_EQ(figures[figure]["median"].get<double>(), median_of(samples)) << name << " " << figure;
        }
    }
}

// The table a user reads on the terminal, with the VM/process ratio column, and the one-line
// errors of vmlet's own failures.
TEST_P(CompareTest, TableAndErrors)
{
    if (GetParam() == "vm")
        GTEST_SKIP() << "the table and the errors are the same in both instances: the process one checks them";
    auto table = vmlet({ "compare", "--runs", "1", "--only", "facts", "--no-vm" });
    ASSERT_EQ(table.exit_code, 0) << table.err;
    EXPECT_NE(table.out.find("VM/process"), std::string::npos) << table.out;
    EXPECT_NE(table.out.find(host_kernel_release()), std::string::npos) << table.out;

    // A saved run's reports, made again without measuring: the same facts, and HTML.
    auto saved = m_scratch.file("saved.json");
    ASSERT_EQ(vmlet({ "compare", "--runs", "1", "--only", "facts", "--no-vm", "--format", "json", "-o", saved }).exit_code, 0);
    auto again = vmlet({ "compare", "--from", saved });
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_NE(again.out.find(host_kernel_release()), std::string::npos) << again.out;
    EXPECT_EQ(again.err, "");
    auto page = vmlet({ "compare", "--from", saved, "--format", "html" });
    ASSERT_EQ(page.exit_code, 0) << page.err;
    EXPECT_EQ(page.out.rfind("<!DOCTYPE html>", 0), 0u) << page.out.substr(0, 100);
    auto not_a_report = vmlet({ "compare", "--from", "/etc/hostname" });
    EXPECT_EQ(not_a_report.exit_code, 125);
    EXPECT_NE(not_a_report.err.find("not a report of vmlet compare"), std::string::npos) << not_a_report.err;

    auto unknown_group = vmlet({ "compare", "--only", "start,bogus" });
    EXPECT_EQ(unknown_group.exit_code, 125);
    EXPECT_NE(unknown_group.err.find("unknown group 'bogus'"), std::string::npos) << unknown_group.err;
    auto missing_image = vmlet({ "compare", "no-such-image:1" });
    EXPECT_EQ(missing_image.exit_code, 125);
    EXPECT_NE(missing_image.err.find("no-such-image"), std::string::npos) << missing_image.err;
    EXPECT_EQ(std::count(missing_image.err.begin(), missing_image.err.end(), '\n'), 1) << missing_image.err;
}

}
