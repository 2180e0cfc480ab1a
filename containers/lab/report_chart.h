#pragma once

#include <optional>
#include <string>
#include <vector>

namespace vmlet::lab {

// One horizontal bar of a chart: a subject's median, or none (drawn as "-").
struct ChartBar {
    std::string label;             // "vm (warm)"
    std::optional<double> value;   // the bar's length, against the longest bar
    std::string value_text;        // "240 ms"
    std::string colour;            // "#e15759"
};

// A small inline SVG bar chart, one bar per subject, each labelled with its text. Every string is
// escaped; the SVG needs no script, font or file from anywhere.
std::string svg_bar_chart(const std::string& title, const std::vector<ChartBar>& bars);

}
