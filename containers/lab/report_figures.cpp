#include "containers/lab/report_figures.h"

#include <fmt/format.h>

#include <array>
#include <cmath>

namespace vmlet::lab {

namespace {

// The keys compare.cpp fills (lab_results.h), each with what it means to a reader.
constexpr std::array<FigureInfo, 11> catalogue { {
    { "start_true_s", "start to exit of true", false },
    { "first_output_s", "start to first output", false },
    { "image_first_run_s", "image to first run, extra", false },
    { "memory_one_mib", "host memory of one container", false },
    { "memory_ten_mib", "host memory of ten containers", false },
    { "getppid_ns", "system call round trip (getppid)", false },
    { "fork_exec_us", "fork + exec + wait", false },
    { "cpu_loop_s", "pure CPU loop", false },
    { "write_64mib_mbs", "sequential write of 64 MiB", true },
    { "read_64mib_mbs", "sequential read of 64 MiB", true },
    { "tcp_mbits", "TCP from the host through -p", true },
} };

// Few digits: the run-to-run noise of these figures is a few percent, so more would be noise.
std::string short_number(double value)
{
    double magnitude = std::fabs(value);
    if (magnitude >= 100)
        return fmt::format("{:.0f}", value);
    if (magnitude >= 10)
        return fmt::format("{:.1f}", value);
    if (magnitude >= 0.01 || magnitude == 0)
        return fmt::format("{:.2f}", value);
    return fmt::format("{:.2g}", value);
}

}

std::span<const FigureInfo> figure_catalogue()
{
    return catalogue;
}

const SubjectResults* measured_subject(const LabResults& results, Subject subject)
{
    for (const auto& candidate : results.subjects) {
        if (candidate.subject == subject)
            return candidate.measured ? &candidate : nullptr;
    }
    return nullptr;
}

std::optional<Quantity> figure_median(const SubjectResults* subject, std::string_view key)
{
    if (!subject)
        return std::nullopt;
    auto figure = subject->figures.find(std::string(key));
    if (figure == subject->figures.end() || figure->second.values.empty())
        return std::nullopt;
    return Quantity { median(figure->second.values), figure->second.unit };
}

std::optional<double> vm_process_ratio(const LabResults& results, std::string_view key)
{
    auto process = figure_median(measured_subject(results, Subject::Process), key);
    auto vm = figure_median(measured_subject(results, Subject::VmWarm), key);
    if (!vm)
        vm = figure_median(measured_subject(results, Subject::VmCold), key);
    // A zero process figure (a loop too fast for the clock) has no meaningful ratio.
    if (!process || !vm || process->value == 0)
        return std::nullopt;
    return vm->value / process->value;
}

const std::string* subject_fact(const SubjectResults* subject, const std::string& key)
{
    if (!subject)
        return nullptr;
    auto fact = subject->facts.find(key);
    return fact == subject->facts.end() ? nullptr : &fact->second;
}

std::string format_quantity(const Quantity& quantity)
{
    if (quantity.unit == "s" && quantity.value != 0 && std::fabs(quantity.value) < 1e-3)
        return short_number(quantity.value * 1e6) + " µs";
    if (quantity.unit == "s" && std::fabs(quantity.value) < 1)
        return short_number(quantity.value * 1e3) + " ms";
    return short_number(quantity.value) + " " + quantity.unit;
}

std::string format_ratio(double ratio)
{
    if (std::fabs(ratio) >= 10)
        return fmt::format("{:.0f}x", ratio);
    // Two significant digits below 0.1: an interpreted guest's I/O is a few thousandths of the
    // process container's, which "0.00x" would hide.
    if (std::fabs(ratio) < 0.1)
        return fmt::format("{:.2g}x", ratio);
    return fmt::format("{:.2f}x", ratio);
}

}
