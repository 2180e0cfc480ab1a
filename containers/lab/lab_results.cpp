#include "containers/lab/lab_results.h"

#include <algorithm>

namespace vmlet::lab {

std::string subject_name(Subject subject)
{
    switch (subject) {
    case Subject::Host:
        return "host";
    case Subject::Process:
        return "process";
    case Subject::VmCold:
        return "vm (cold)";
    case Subject::VmWarm:
        return "vm (warm)";
    }
    return "unknown";
}

std::string outcome_name(Outcome outcome)
{
    switch (outcome) {
    case Outcome::Allowed:
        return "allowed";
    case Outcome::Denied:
        return "denied";
    case Outcome::NotApplicable:
        return "not applicable";
    }
    return "unknown";
}

double median(const std::vector<double>& values)
{
    // A copy partly sorted around the middle: the caller's samples keep their order, which the
    // JSON report shows as measured.
    std::vector<double> sorted(values);
    auto middle = sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2);
    std::nth_element(sorted.begin(), middle, sorted.end());
    if (sorted.size() % 2 == 1)
        return *middle;
    double upper = *middle;
    double lower = *std::max_element(sorted.begin(), middle);
    return (lower + upper) / 2;
}

}
