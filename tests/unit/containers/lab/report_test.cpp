#include "containers/lab/report_figures.h"
#include "containers/lab/report_html.h"
#include "containers/lab/report_json.h"
#include "containers/lab/report_table.h"

#include <gtest/gtest.h>

#include <sstream>

using namespace vmlet::lab;

namespace {

SubjectResults subject(Subject which, std::string kernel, std::vector<double> start, double memory, Outcome disk)
{
    SubjectResults results;
    results.subject = which;
    results.facts = { { "kernel_release", std::move(kernel) }, { "hostname", "lab" } };
    results.figures["start_true_s"] = { "s", std::move(start) };
    results.figures["memory_one_mib"] = { "MiB", { memory } };
    results.figures["cpu_loop_s"] = { "s", { 2.0, 2.1 } };
    results.probes["host_disk"] = { disk, disk == Outcome::Denied ? "Operation not permitted" : "" };
    results.probes["sysrq_crash"] = { Outcome::NotApplicable, "refused: never attempted" };
    return results;
}

// The host, a process container and a cold VM measured; the warm VM skipped.
LabResults sample()
{
    LabResults results;
    results.machine = { .cpu_model = "Test CPU", .kernel_release = "6.1.0-host", .kvm_kind = "nested", .cpus = 2,
        .memory_mib = 4096, .vmlet_version = "0.1.0", .image = "busybox", .runs = 3,
        .started = "2026-12-07T06:00:00Z", .duration_s = 95.5 };
    results.subjects.push_back(subject(Subject::Host, "6.1.0-host", { 0.001, 0.003, 0.002 }, 1, Outcome::Allowed));
    // An even count: the median is the mean of 0.04 and 0.06.
    results.subjects.push_back(subject(Subject::Process, "6.1.0-host", { 0.09, 0.04, 0.06, 0.01 }, 3, Outcome::Allowed));
    results.subjects.push_back(subject(Subject::VmCold, "6.1.90-guest", { 2.5, 1.5, 2.0 }, 60, Outcome::Denied));
    SubjectResults warm;
    warm.subject = Subject::VmWarm;
    warm.measured = false;
    warm.skipped_because = "no template";
    results.subjects.push_back(std::move(warm));
    return results;
}

// The table's line that starts with `label`.
std::string line_of(const std::string& table, const std::string& label)
{
    std::istringstream lines(table);
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with(label))
            return line;
    }
    return "";
}

size_t count(const std::string& text, const std::string& what)
{
    size_t found = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        found++;
    return found;
}

}

TEST(ReportMedian, OddCountsTakeTheMiddleAndEvenCountsTheMeanOfTheTwoMiddleOnes)
{
    EXPECT_EQ(median({ 5 }), 5);
    EXPECT_EQ(median({ 3, 1, 2 }), 2);
    EXPECT_EQ(median({ 4, 1, 3, 2 }), 2.5);
    EXPECT_EQ(median({ 10, -1 }), 4.5);
    EXPECT_EQ(median({ 7, 7, 1, 9, 9 }), 7);
}

TEST(ReportFigures, RatiosKeepTwoDigitsHoweverSmall)
{
    EXPECT_EQ(format_ratio(3100), "3100x");
    EXPECT_EQ(format_ratio(2.987), "2.99x");
    EXPECT_EQ(format_ratio(0.5), "0.50x");
    EXPECT_EQ(format_ratio(0.0019), "0.0019x");
}

TEST(ReportTable, HasEveryRowOfTheClassicTableWithMediansAndTheRatio)
{
    auto table = render_table(sample());
    for (const char* row : { "isolation boundary", "kernel", "guest compatibility", "start time", "memory (one)",
             "density (ten)", "syscall", "I/O", "network" })
        EXPECT_NE(line_of(table, row), "") << row << "\n" << table;
    // Medians: 2 ms on the host, 50 ms for the process (even count), 2 s for the cold VM; the
    // warm VM was skipped, so the ratio is the cold VM's: 2 / 0.05.
    EXPECT_EQ(line_of(table, "start time (true)"), "start time (true)     2.00 ms              50.0 ms              2.00 s               -                    40x");
    EXPECT_NE(line_of(table, "memory (one)").find("20x"), std::string::npos) << table;
    EXPECT_NE(line_of(table, "kernel").find("6.1.90-guest"), std::string::npos) << table;
    EXPECT_NE(line_of(table, "guest compatibility").find("its own kernel"), std::string::npos) << table;
    EXPECT_NE(line_of(table, "density (ten)").find("-"), std::string::npos) << table;
    EXPECT_NE(table.find("vm (warm): skipped, no template"), std::string::npos) << table;
    // Counts per subject, and the probe the process allowed and the VM denied named as notable
    // (the cells wrap: "0 denied, 1" / "allowed, 1 n/a;" / "allowed: host_disk").
    EXPECT_NE(line_of(table, "isolation boundary").find("1 denied, 0"), std::string::npos) << table;
    EXPECT_EQ(count(table, "allowed: host_disk"), 2u) << table;
}

TEST(ReportTable, ListsEveryProbeWithItsOutcomeAndErrorAndFits120Columns)
{
    auto results = sample();
    results.subjects[1].probes["kernel_log"] = { Outcome::Denied, std::string(150, 'x') + " \x1b[31mred\x07" };
    auto table = render_table(results);
    EXPECT_NE(line_of(table, "host_disk").find("denied: Operation not"), std::string::npos) << table;
    EXPECT_NE(line_of(table, "sysrq_crash").find("not applicable:"), std::string::npos) << table;
    // A long error wraps inside its column, and a workload's escape sequence never reaches the terminal.
    std::istringstream lines(table);
    for (std::string line; std::getline(lines, line);)
        EXPECT_LE(line.size(), 120u) << line;
    EXPECT_EQ(table.find('\x1b'), std::string::npos);
    EXPECT_EQ(table.find('\x07'), std::string::npos);
}

TEST(ReportJson, HoldsEverySampleWithItsMedianAndRoundTrips)
{
    auto results = sample();
    results.subjects[0].facts["odd"] = "not UTF-8: \xff\xfe";
    auto json = render_json(results);
    for (const char* sample : { "0.001", "0.003", "0.09", "0.04", "0.06", "0.01", "2.5", "1.5" })
        EXPECT_NE(json.find(sample), std::string::npos) << sample;
    EXPECT_NE(json.find("\"median\": 0.05"), std::string::npos) << json;
    EXPECT_NE(json.find("\"vm (warm)\""), std::string::npos);

    auto parsed = parse_lab_json(json);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    const auto& back = parsed.value();
    EXPECT_EQ(back.machine.cpu_model, "Test CPU");
    EXPECT_EQ(back.machine.memory_mib, 4096u);
    EXPECT_EQ(back.machine.duration_s, 95.5);
    ASSERT_EQ(back.subjects.size(), 4u);
    EXPECT_EQ(back.subjects[1].figures.at("start_true_s").values, results.subjects[1].figures.at("start_true_s").values);
    EXPECT_EQ(back.subjects[2].probes.at("host_disk").outcome, Outcome::Denied);
    EXPECT_EQ(back.subjects[2].probes.at("host_disk").detail, "Operation not permitted");
    EXPECT_EQ(back.subjects[2].facts.at("kernel_release"), "6.1.90-guest");
    EXPECT_FALSE(back.subjects[3].measured);
    EXPECT_EQ(back.subjects[3].skipped_because, "no template");
    // What was not UTF-8 is replaced, not an exception.
    EXPECT_EQ(back.subjects[0].facts.at("odd").find('\xff'), std::string::npos);
}

TEST(ReportJson, RefusesADocumentOfTheWrongShape)
{
    EXPECT_FALSE(parse_lab_json("[]").ok());
    EXPECT_FALSE(parse_lab_json(R"({"machine": {}, "subjects": []})").ok());
    auto json = render_json(sample());
    auto broken = json.replace(json.find("\"vm (cold)\""), 11, "\"vm (hot)\"");
    EXPECT_FALSE(parse_lab_json(broken).ok());
}

TEST(ReportHtml, IsOneSelfContainedPageWithAChartPerFigure)
{
    auto html = render_html(sample());
    EXPECT_EQ(count(html, "<svg "), figure_catalogue().size());
    for (const auto& figure : figure_catalogue())
        EXPECT_NE(html.find(std::string(figure.label)), std::string::npos) << figure.label;
    EXPECT_NE(html.find("50.0 ms"), std::string::npos);
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_EQ(html.find("<link"), std::string::npos);
    EXPECT_EQ(html.find("<img"), std::string::npos);
    EXPECT_EQ(html.find("url("), std::string::npos);
    EXPECT_NE(html.find("class=\"denied\""), std::string::npos);
    EXPECT_NE(html.find("The VM saw kernel 6.1.90-guest, its own; the container saw 6.1.0-host, the host&#39;s"),
        std::string::npos) << html;
}

TEST(ReportHtml, EscapesWhatTheWorkloadReported)
{
    auto results = sample();
    results.subjects[1].facts["hostname"] = "<b>bold</b>";
    results.subjects[2].probes["host_disk"].detail = "<script>alert(1)</script>";
    results.machine.image = "\"><img src=x>";
    auto html = render_html(results);
    EXPECT_EQ(html.find("<b>"), std::string::npos);
    EXPECT_NE(html.find("&lt;b&gt;bold&lt;/b&gt;"), std::string::npos);
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_EQ(html.find("<img"), std::string::npos);
}
