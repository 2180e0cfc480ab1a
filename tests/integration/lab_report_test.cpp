// vmlet compare's HTML report opened in a real browser: Debian's headless Chromium renders a
// sample report to a screenshot, and the bars of every subject must be on it, so a page that is
// blank, or whose SVG a browser refuses, fails. No KVM needed; skipped without chromium.
// docs/lab-example.html is a real run's page (README, "Lab"), and docs/lab-example.png its
// screenshot taken the same way.
#include "containers/lab/report_html.h"
#include "tests/support/command.h"
#include "tests/support/temporary_directory.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace vmlet::test {

namespace {

using namespace vmlet::lab;

void add_figure(SubjectResults& subject, const std::string& key, std::string unit, std::vector<double> values)
{
    subject.figures[key] = { std::move(unit), std::move(values) };
}

// Figures of the shape a nested 2-core machine gives (the VM's costs are the nested KVM's); an
// example of the report, not a measurement.
SubjectResults sample_subject(Subject which, double scale, const std::string& kernel)
{
    SubjectResults subject;
    subject.subject = which;
    bool vm = which == Subject::VmCold || which == Subject::VmWarm;
    subject.facts = { { "kernel_release", kernel }, { "kernel_version", vm ? "#1 SMP PREEMPT_DYNAMIC vmlet" : "#1 SMP Debian 6.1.158-1" },
        { "hostname", which == Subject::Host ? "lab-host" : "3f2a9c1d7e4b" }, { "cpus", vm ? "1" : "2" },
        { "memory_mib", vm ? "237" : "3915" }, { "pid1", which == Subject::Host ? "systemd" : "sh" },
        { "processes", which == Subject::Host ? "142" : "2" }, { "interfaces", which == Subject::Host ? "lo, eth0, docker0" : "lo, eth0" },
        { "user", "root" }, { "capabilities", which == Subject::Host ? "all 41" : "14 of 41 (Docker's default)" } };
    add_figure(subject, "start_true_s", "s", { 0.0011 * scale, 0.0012 * scale, 0.0010 * scale });
    add_figure(subject, "first_output_s", "s", { 0.0013 * scale, 0.0014 * scale, 0.0013 * scale });
    add_figure(subject, "memory_one_mib", "MiB", { vm ? 71.5 : (which == Subject::Host ? 0.6 : 2.9) });
    add_figure(subject, "memory_ten_mib", "MiB", { vm ? 690.0 : (which == Subject::Host ? 6.0 : 27.0) });
    add_figure(subject, "getppid_ns", "ns", { vm ? 410.0 : 95.0, vm ? 420.0 : 97.0, vm ? 405.0 : 96.0 });
    add_figure(subject, "fork_exec_us", "µs", { vm ? 2100.0 : 610.0, vm ? 2200.0 : 620.0, vm ? 2150.0 : 600.0 });
    add_figure(subject, "cpu_loop_s", "s", { 1.21, 1.22, vm ? 1.27 : 1.20 });
    add_figure(subject, "write_64mib_mbs", "MB/s", { vm ? 310.0 : 890.0, vm ? 300.0 : 910.0, vm ? 320.0 : 900.0 });
    add_figure(subject, "read_64mib_mbs", "MB/s", { vm ? 820.0 : 2900.0, vm ? 800.0 : 3000.0, vm ? 840.0 : 2950.0 });
    add_figure(subject, "tcp_mbits", "Mbit/s", { vm ? 1400.0 : 9800.0, vm ? 1350.0 : 9700.0, vm ? 1450.0 : 9900.0 });
    if (which == Subject::VmCold || which == Subject::VmWarm)
        add_figure(subject, "image_first_run_s", "s", { which == Subject::VmCold ? 3.1 : 9.4 });
    auto probe = [&](const char* name, Outcome host, Outcome process, Outcome vm_outcome, std::string detail) {
        Outcome outcome = which == Subject::Host ? host : (which == Subject::Process ? process : vm_outcome);
        subject.probes[name] = { outcome, outcome == Outcome::Allowed ? "" : std::move(detail) };
    };
    probe("see host processes", Outcome::Allowed, Outcome::Denied, Outcome::Denied, "only the container's 2 are visible");
    probe("host kernel log", Outcome::Allowed, Outcome::Denied, Outcome::Denied, vm ? "the VM's own log only" : "Operation not permitted");
    probe("read /proc/kcore", Outcome::Allowed, Outcome::Denied, Outcome::Denied, vm ? "the VM's own memory only" : "Permission denied");
    probe("host disk device", Outcome::Allowed, Outcome::Denied, Outcome::Denied, vm ? "no such disk in the VM" : "Operation not permitted");
    probe("load a module", Outcome::Allowed, Outcome::Denied, Outcome::Allowed, "Operation not permitted");
    probe("set the clock", Outcome::Allowed, Outcome::Denied, Outcome::Allowed, "Operation not permitted");
    probe("mount", Outcome::Allowed, Outcome::Denied, Outcome::Allowed, "Operation not permitted");
    probe("user namespace", Outcome::Allowed, Outcome::Denied, Outcome::Allowed, "Operation not permitted");
    probe("keyctl", Outcome::Allowed, Outcome::Denied, Outcome::Allowed, "Operation not permitted");
    probe("bpf", Outcome::Allowed, Outcome::Denied, Outcome::Allowed, "Operation not permitted");
    probe("perf_event_open", Outcome::Allowed, Outcome::Denied, Outcome::Allowed, "Operation not permitted");
    probe("host interfaces", Outcome::Allowed, Outcome::Denied, Outcome::Denied, "lo and eth0 only");
    probe("write /proc/sys", Outcome::Allowed, Outcome::Denied, Outcome::Allowed, "Read-only file system");
    probe("sysrq crash", Outcome::NotApplicable, Outcome::NotApplicable, Outcome::Allowed,
        "refused: the host's kernel would crash");
    if (vm)
        subject.probes["sysrq crash"].detail = "the VM ended, the host did not";
    return subject;
}

LabResults sample_results()
{
    LabResults results;
    results.machine = { .cpu_model = "Intel(R) Xeon(R) CPU @ 2.20GHz", .kernel_release = "6.1.0-41-amd64",
        .kvm_kind = "nested", .cpus = 2, .memory_mib = 3915, .vmlet_version = "0.1.0 (example data)",
        .image = "busybox:latest", .runs = 3, .started = "2026-12-07T06:00:00Z", .duration_s = 212 };
    results.subjects.push_back(sample_subject(Subject::Host, 1, "6.1.0-41-amd64"));
    results.subjects.push_back(sample_subject(Subject::Process, 55, "6.1.0-41-amd64"));
    results.subjects.push_back(sample_subject(Subject::VmCold, 1700, "6.1.158-vmlet"));
    results.subjects.push_back(sample_subject(Subject::VmWarm, 190, "6.1.158-vmlet"));
    return results;
}

std::vector<std::string> lines(const std::string& text)
{
    std::vector<std::string> out;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);)
        out.push_back(line);
    return out;
}

}

TEST(LabReport, ChromiumRendersTheChartsOfTheHtmlReport)
{
    if (run_command({ "chromium", "--version" }, std::chrono::seconds(30)).exit_code != 0)
        GTEST_SKIP() << "chromium is not installed (apt-get install chromium)";
    TemporaryDirectory directory;
    auto page = directory.file("lab-example.html");
    auto screenshot = directory.file("lab-example.png");
    std::ofstream(page) << render_html(sample_results());

    // --user-data-dir: a profile of its own under the test's directory, not the user's; root
    // needs --no-sandbox.
    auto chromium = run_command({ "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                    "--user-data-dir=" + directory.file("profile"), "--screenshot=" + screenshot,
                                    "--window-size=1200,1600", "file://" + page },
        std::chrono::seconds(120));
    ASSERT_EQ(chromium.exit_code, 0) << chromium.err;
    ASSERT_TRUE(std::filesystem::exists(screenshot)) << chromium.err;

    // One count per subject colour of report_html.cpp: host, process, vm (cold), vm (warm).
    auto colours = run_command({ "python3", PNG_COLOURS_SCRIPT, screenshot, "#79706e", "#4e79a7", "#e15759", "#f28e2b" });
    ASSERT_EQ(colours.exit_code, 0) << colours.err;
    auto counts = lines(colours.out);
    ASSERT_EQ(counts.size(), 5u) << colours.out;
    unsigned width = 0, height = 0, distinct = 0, non_white = 0;
    std::istringstream(counts[0]) >> width >> height >> distinct >> non_white;
    EXPECT_EQ(width, 1200u);
    EXPECT_EQ(height, 1600u);
    // A blank page is one colour; text alone is a few percent of the pixels.
    EXPECT_GT(distinct, 50u) << counts[0];
    EXPECT_GT(non_white, 1200u * 1600u / 20) << counts[0];
    // Every subject's bars are on the page: eleven charts' worth, far more than the legend's swatch.
    for (size_t subject = 1; subject < counts.size(); subject++)
        EXPECT_GT(std::stoul(counts[subject]), 2000u) << "subject colour " << subject << ":\n" << colours.out;
}

}
