#include "containers/lab/report_chart.h"

#include "containers/lab/html_text.h"

#include <fmt/format.h>

#include <algorithm>

namespace vmlet::lab {

namespace {

// The chart's geometry in SVG user units: labels, then bars, then the value after each bar.
constexpr double width = 400;
constexpr double label_width = 84;
constexpr double bar_area = 220;
constexpr double row_height = 24;
constexpr double bar_height = 16;

}

std::string svg_bar_chart(const std::string& title, const std::vector<ChartBar>& bars)
{
    double longest = 0;
    for (const auto& bar : bars)
        longest = std::max(longest, bar.value.value_or(0));
    double height = row_height * static_cast<double>(bars.size()) + 8;
    auto svg = fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" viewBox="0 0 {0} {1}" role="img" aria-label="{2}">)",
        width, height, html_escape(title));
    svg += "\n";
    for (size_t i = 0; i < bars.size(); i++) {
        const auto& bar = bars[i];
        double top = 4 + row_height * static_cast<double>(i);
        double text_y = top + bar_height - 3;
        svg += fmt::format(R"(<text x="{}" y="{}" text-anchor="end" class="label">{}</text>)", label_width - 6, text_y,
            html_escape(bar.label));
        // A bar at least a pixel long, so a figure far below the longest still shows.
        double length = 0;
        if (bar.value && longest > 0 && *bar.value > 0)
            length = std::max(1.0, bar_area * *bar.value / longest);
        if (length > 0)
            svg += fmt::format(R"(<rect x="{}" y="{}" width="{:.1f}" height="{}" fill="{}"/>)", label_width, top, length,
                bar_height, html_escape(bar.colour));
        svg += fmt::format(R"(<text x="{:.1f}" y="{}" class="value">{}</text>)", label_width + length + 5, text_y,
            html_escape(bar.value ? bar.value_text : "-"));
        svg += "\n";
    }
    return svg + "</svg>";
}

}
