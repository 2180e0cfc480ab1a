#include "containers/lab/report_html.h"

#include "containers/lab/html_text.h"
#include "containers/lab/report_chart.h"
#include "containers/lab/report_figures.h"
#include "containers/lab/report_lessons.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <set>

namespace vmlet::lab {

namespace {

// One colour per subject, the same in every chart; distinct for the colour-blind (Tableau 10).
std::string subject_colour(Subject subject)
{
    switch (subject) {
    case Subject::Host:
        return "#79706e";
    case Subject::Process:
        return "#4e79a7";
    case Subject::VmCold:
        return "#e15759";
    case Subject::VmWarm:
        return "#f28e2b";
    }
    return "#000000";
}

// The facts in the order lab_results.h lists them; any other a run reports follows.
constexpr std::array<const char*, 11> known_facts { "kernel_release", "kernel_version", "hostname", "cpus", "memory_mib",
    "pid1", "processes", "interfaces", "mounts", "user", "capabilities" };

constexpr const char* style = R"(
body { font-family: sans-serif; margin: 2em; color: #222; max-width: 1100px; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.6em; }
.charts { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; padding: 0.5em; border: 1px solid #ddd; border-radius: 4px; }
figcaption { font-size: 0.9em; margin-bottom: 0.3em; }
svg text { font-family: sans-serif; font-size: 12px; fill: #222; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.5em; text-align: left; vertical-align: top; word-break: break-word; }
th { background: #f0f0f0; }
td.allowed { background: #f8d0cc; } td.denied { background: #cfe8cf; } td.not-applicable { background: #e8e8e8; }
.legend span { display: inline-block; margin-right: 1.2em; }
.legend i { display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.3em; vertical-align: middle; }
)";

std::string subject_header_cells()
{
    std::string cells;
    for (Subject subject : report_columns)
        cells += "<th>" + html_escape(subject_name(subject)) + "</th>";
    return cells;
}

std::string machine_section(const LabResults& results)
{
    const auto& machine = results.machine;
    auto row = [](std::string_view name, const std::string& value) {
        return fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", name, html_escape(value));
    };
    std::string html = "<h2>The machine</h2>\n<table>\n";
    html += row("CPU", fmt::format("{} ({} CPUs)", machine.cpu_model, machine.cpus));
    html += row("memory", fmt::format("{} MiB", machine.memory_mib));
    html += row("kernel", machine.kernel_release);
    html += row("KVM", machine.kvm_kind);
    html += row("image", machine.image);
    html += row("runs", fmt::format("{}, medians shown", machine.runs));
    html += row("started", fmt::format("{}, took {:.0f} s", machine.started, machine.duration_s));
    html += row("vmlet", machine.vmlet_version);
    for (const auto& subject : results.subjects) {
        if (!subject.measured)
            html += row(subject_name(subject.subject), "skipped: " + subject.skipped_because);
    }
    return html + "</table>\n";
}

std::string lessons_section(const LabResults& results)
{
    auto sentences = lessons(results);
    if (sentences.empty())
        return "";
    std::string html = "<h2>What this teaches</h2>\n<p>";
    for (const auto& sentence : sentences)
        html += html_escape(sentence) + " ";
    return html + "</p>\n";
}

std::string charts_section(const LabResults& results)
{
    std::string html = "<h2>Cost and speed</h2>\n<p class=\"legend\">";
    for (Subject subject : report_columns)
        html += fmt::format("<span><i style=\"background:{}\"></i>{}</span>", subject_colour(subject), html_escape(subject_name(subject)));
    html += "</p>\n<div class=\"charts\">\n";
    for (const auto& figure : figure_catalogue()) {
        std::vector<ChartBar> bars;
        for (Subject subject : report_columns) {
            auto quantity = figure_median(measured_subject(results, subject), figure.key);
            bars.push_back({ subject_name(subject), quantity ? std::optional(quantity->value) : std::nullopt,
                quantity ? format_quantity(*quantity) : "", subject_colour(subject) });
        }
        auto title = fmt::format("{} ({} is better)", figure.label, figure.higher_is_better ? "higher" : "lower");
        html += fmt::format("<figure><figcaption>{}</figcaption>\n{}</figure>\n", html_escape(title), svg_bar_chart(title, bars));
    }
    return html + "</div>\n";
}

std::string facts_section(const LabResults& results)
{
    std::vector<std::string> keys(known_facts.begin(), known_facts.end());
    std::set<std::string> others;
    for (const auto& subject : results.subjects) {
        for (const auto& [key, value] : subject.facts) {
            if (std::find(keys.begin(), keys.end(), key) == keys.end())
                others.insert(key);
        }
    }
    keys.insert(keys.end(), others.begin(), others.end());
    std::string html = "<h2>What the workload saw</h2>\n<table>\n<tr><th>fact</th>" + subject_header_cells() + "</tr>\n";
    for (const auto& key : keys) {
        html += "<tr><th>" + html_escape(key) + "</th>";
        for (Subject subject : report_columns) {
            const auto* fact = subject_fact(measured_subject(results, subject), key);
            html += "<td>" + html_escape(fact ? *fact : "-") + "</td>";
        }
        html += "</tr>\n";
    }
    return html + "</table>\n";
}

std::string probe_cell(const SubjectResults* subject, const std::string& name)
{
    if (!subject)
        return "<td>-</td>";
    auto probe = subject->probes.find(name);
    if (probe == subject->probes.end())
        return "<td>-</td>";
    auto outcome = outcome_name(probe->second.outcome);
    std::string css_class = outcome == "not applicable" ? "not-applicable" : outcome;
    auto detail = probe->second.detail.empty() ? "" : "<br><small>" + html_escape(probe->second.detail) + "</small>";
    return fmt::format("<td class=\"{}\">{}{}</td>", css_class, html_escape(outcome), detail);
}

std::string probes_section(const LabResults& results)
{
    std::set<std::string> names;
    for (const auto& subject : results.subjects) {
        for (const auto& [name, probe] : subject.probes)
            names.insert(name);
    }
    if (names.empty())
        return "";
    std::string html = "<h2>The boundary</h2>\n<p>Each probe tries to reach past the isolation, harmlessly; green: "
                       "denied, red: allowed.</p>\n<table>\n<tr><th>probe</th>"
        + subject_header_cells() + "</tr>\n";
    for (const auto& name : names) {
        html += "<tr><th>" + html_escape(name) + "</th>";
        for (Subject subject : report_columns)
            html += probe_cell(measured_subject(results, subject), name);
        html += "</tr>\n";
    }
    return html + "</table>\n";
}

}

std::string render_html(const LabResults& results)
{
    auto title = html_escape("vmlet compare: " + results.machine.image);
    std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    html += "<title>" + title + "</title>\n<style>" + style + "</style>\n</head>\n<body>\n";
    html += "<h1>" + title + "</h1>\n<p>The same image run on the host, in a process container and in a VM container "
                             "(booted cold, and restored from a template), measured side by side.</p>\n";
    html += lessons_section(results);
    html += charts_section(results);
    html += facts_section(results);
    html += probes_section(results);
    html += machine_section(results);
    return html + "</body>\n</html>\n";
}

}
