#pragma once

#include "containers/lab/lab_results.h"

#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace vmlet::lab {

// What the three renderers share: which figures there are and how to read them, where a
// subject's median is, and how a quantity or a ratio is written.

// The reports' columns, every subject in lab_results.h's order, measured or not.
inline constexpr std::array<Subject, 4> report_columns { Subject::Host, Subject::Process, Subject::VmCold, Subject::VmWarm };

// A figure the reports know, in the order they show it. A figure a run did not measure (--only)
// is shown as missing; one the catalogue does not know is kept in the JSON only.
struct FigureInfo {
    std::string_view key;
    std::string_view label;
    bool higher_is_better;
};
std::span<const FigureInfo> figure_catalogue();

// The subject's results when the run has it and measured it, else null.
const SubjectResults* measured_subject(const LabResults& results, Subject subject);

struct Quantity {
    double value;
    std::string unit;
};
// The median of a figure's samples, when the subject was measured and has samples of it.
std::optional<Quantity> figure_median(const SubjectResults* subject, std::string_view key);

// The VM to process ratio of a figure's medians: the warm VM when it has the figure, else the cold.
std::optional<double> vm_process_ratio(const LabResults& results, std::string_view key);

// The fact, or null when the subject was not measured or did not report it.
const std::string* subject_fact(const SubjectResults* subject, const std::string& key);

// "1.93 s", "240 ms", "71.4 MiB": three significant figures or so, seconds scaled to ms and µs.
std::string format_quantity(const Quantity& quantity);
// "27x", "1.04x".
std::string format_ratio(double ratio);

}
