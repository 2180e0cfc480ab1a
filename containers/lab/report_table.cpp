#include "containers/lab/report_table.h"

#include "containers/lab/report_figures.h"
#include "containers/lab/terminal_text.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <functional>
#include <set>

namespace vmlet::lab {

namespace {

using Row = std::vector<std::string>;

// 20 + 4 * 19 + 10 and the gaps: 116 columns. The probe table: 22 + 4 * 22 and the gaps, 118.
const std::vector<size_t> summary_widths { 20, 19, 19, 19, 19, 10 };
const std::vector<size_t> probe_widths { 22, 22, 22, 22, 22 };

Row header(std::string first, bool with_ratio)
{
    Row row { std::move(first) };
    for (Subject subject : report_columns)
        row.push_back(subject_name(subject));
    if (with_ratio)
        row.emplace_back("VM/process");
    return row;
}

Row figure_row(const LabResults& results, std::string label, std::string_view key)
{
    Row row { std::move(label) };
    for (Subject subject : report_columns) {
        auto quantity = figure_median(measured_subject(results, subject), key);
        row.push_back(quantity ? format_quantity(*quantity) : "-");
    }
    auto ratio = vm_process_ratio(results, key);
    row.push_back(ratio ? format_ratio(*ratio) : "-");
    return row;
}

// A row of words rather than figures: no ratio.
Row text_row(const LabResults& results, std::string label, const std::function<std::string(const SubjectResults&)>& cell)
{
    Row row { std::move(label) };
    for (Subject subject : report_columns) {
        const auto* measured = measured_subject(results, subject);
        row.push_back(measured ? cell(*measured) : "-");
    }
    row.emplace_back("-");
    return row;
}

// The probes the isolations disagree on: where the comparison is.
std::set<std::string> contested_probes(const LabResults& results)
{
    std::set<std::string> contested;
    std::map<std::string, std::set<Outcome>> outcomes;
    for (Subject subject : { Subject::Process, Subject::VmCold, Subject::VmWarm }) {
        if (const auto* measured = measured_subject(results, subject)) {
            for (const auto& [name, probe] : measured->probes)
                outcomes[name].insert(probe.outcome);
        }
    }
    for (const auto& [name, seen] : outcomes) {
        if (seen.size() > 1)
            contested.insert(name);
    }
    return contested;
}

std::string boundary_cell(const SubjectResults& subject, const std::set<std::string>& contested)
{
    std::map<Outcome, int> counts;
    std::vector<std::string> notable;
    for (const auto& [name, probe] : subject.probes) {
        counts[probe.outcome]++;
        if (probe.outcome == Outcome::Allowed && contested.contains(name))
            notable.push_back(name);
    }
    if (subject.probes.empty())
        return "-";
    auto text = fmt::format("{} denied, {} allowed", counts[Outcome::Denied], counts[Outcome::Allowed]);
    if (counts[Outcome::NotApplicable] > 0)
        text += fmt::format(", {} n/a", counts[Outcome::NotApplicable]);
    // A few names say where the boundary differs; the probe table below has them all.
    constexpr size_t named = 3;
    if (notable.size() > named) {
        size_t more = notable.size() - named;
        notable.resize(named);
        notable.push_back(fmt::format("{} more", more));
    }
    if (!notable.empty())
        text += fmt::format("; allowed: {}", fmt::join(notable, ", "));
    return text;
}

std::string fact_or_dash(const SubjectResults& subject, const std::string& key)
{
    const auto* fact = subject_fact(&subject, key);
    return fact ? *fact : "-";
}

// Which kernels a workload can have: the host's own, or whatever the VM boots.
std::string compatibility_cell(const LabResults& results, const SubjectResults& subject)
{
    const auto* release = subject_fact(&subject, "kernel_release");
    std::string host_release = results.machine.kernel_release;
    if (const auto* host_fact = subject_fact(measured_subject(results, Subject::Host), "kernel_release"))
        host_release = *host_fact;
    if (!release || host_release.empty())
        return "-";
    return *release == host_release ? "host's kernel only" : "its own kernel";
}

std::string summary_table(const LabResults& results)
{
    auto contested = contested_probes(results);
    std::vector<Row> rows { header("", true) };
    rows.push_back(text_row(results, "isolation boundary", [&](const SubjectResults& subject) { return boundary_cell(subject, contested); }));
    rows.push_back(text_row(results, "kernel", [](const SubjectResults& subject) { return fact_or_dash(subject, "kernel_release"); }));
    rows.push_back(text_row(results, "guest compatibility", [&](const SubjectResults& subject) { return compatibility_cell(results, subject); }));
    rows.push_back(figure_row(results, "start time (true)", "start_true_s"));
    rows.push_back(figure_row(results, "  to first output", "first_output_s"));
    rows.push_back(figure_row(results, "  image first run", "image_first_run_s"));
    rows.push_back(figure_row(results, "memory (one)", "memory_one_mib"));
    rows.push_back(figure_row(results, "density (ten)", "memory_ten_mib"));
    rows.push_back(figure_row(results, "syscall (getppid)", "getppid_ns"));
    rows.push_back(figure_row(results, "  fork+exec+wait", "fork_exec_us"));
    rows.push_back(figure_row(results, "CPU loop", "cpu_loop_s"));
    rows.push_back(figure_row(results, "I/O write 64 MiB", "write_64mib_mbs"));
    rows.push_back(figure_row(results, "  read 64 MiB", "read_64mib_mbs"));
    rows.push_back(figure_row(results, "network (TCP)", "tcp_mbits"));
    return lay_out_columns(summary_widths, rows);
}

std::string probe_cell(const SubjectResults* subject, const std::string& name)
{
    if (!subject)
        return "-";
    auto probe = subject->probes.find(name);
    if (probe == subject->probes.end())
        return "-";
    const auto& [outcome, detail] = probe->second;
    return detail.empty() ? outcome_name(outcome) : outcome_name(outcome) + ": " + detail;
}

std::string probe_table(const LabResults& results)
{
    std::set<std::string> names;
    for (Subject subject : report_columns) {
        if (const auto* measured = measured_subject(results, subject)) {
            for (const auto& [name, probe] : measured->probes)
                names.insert(name);
        }
    }
    if (names.empty())
        return "No boundary probes were run.\n";
    std::vector<Row> rows { header("probe", false) };
    for (const auto& name : names) {
        Row row { name };
        for (Subject subject : report_columns)
            row.push_back(probe_cell(measured_subject(results, subject), name));
        rows.push_back(std::move(row));
    }
    return lay_out_columns(probe_widths, rows);
}

// A line of the heading, made printable (the image's name is the user's, the reason a subject
// was skipped may quote an error) and wrapped to the table's width.
std::string heading_line(std::string_view text)
{
    std::string out;
    for (const auto& line : wrap(printable(text), 116))
        out += line + "\n";
    return out;
}

std::string heading(const LabResults& results)
{
    const auto& machine = results.machine;
    auto or_dash = [](const std::string& text) { return text.empty() ? std::string("-") : text; };
    auto text = heading_line(fmt::format("vmlet compare: {}, medians of {} runs", or_dash(machine.image), machine.runs));
    text += heading_line(fmt::format("{}, {} CPUs, {} MiB; kernel {}; KVM: {}", or_dash(machine.cpu_model), machine.cpus,
        machine.memory_mib, or_dash(machine.kernel_release), or_dash(machine.kvm_kind)));
    for (const auto& subject : results.subjects) {
        if (!subject.measured)
            text += heading_line(fmt::format("{}: skipped, {}", subject_name(subject.subject), subject.skipped_because));
    }
    return text;
}

}

std::string render_table(const LabResults& results)
{
    return heading(results) + "\n" + summary_table(results) + "\nBoundary probes\n" + probe_table(results);
}

}
