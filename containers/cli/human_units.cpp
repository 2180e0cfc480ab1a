#include "containers/cli/human_units.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <charconv>

namespace vmlet {

std::string human_size(uint64_t bytes)
{
    static constexpr std::array<const char*, 7> units { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
    double value = static_cast<double>(bytes);
    size_t unit = 0;
    while (value >= 1000 && unit + 1 < units.size()) {
        value /= 1000;
        unit++;
    }
    auto text = fmt::format("{:.3g}", value);
    return text + units[unit];
}

std::string human_duration(std::time_t seconds)
{
    constexpr std::time_t minute = 60, hour = 60 * minute, day = 24 * hour;
    auto count = [](std::time_t value, const char* unit) { return fmt::format("{} {}{}", value, unit, value == 1 ? "" : "s"); };
    if (seconds < 1)
        return "Less than a second";
    if (seconds < minute)
        return count(seconds, "second");
    if (seconds < 2 * minute)
        return "About a minute";
    if (seconds < 45 * minute)
        return count(seconds / minute, "minute");
    if (seconds < 2 * hour)
        return "About an hour";
    if (seconds < 2 * day)
        return count(seconds / hour, "hour");
    if (seconds < 14 * day)
        return count(seconds / day, "day");
    if (seconds < 60 * day)
        return count(seconds / (7 * day), "week");
    if (seconds < 730 * day)
        return count(seconds / (30 * day), "month");
    return count(seconds / (365 * day), "year");
}

std::time_t parse_rfc3339(std::string_view text)
{
    std::tm parts {};
    std::string head(text.substr(0, 19));
    const char* end = ::strptime(head.c_str(), "%Y-%m-%dT%H:%M:%S", &parts);
    if (!end || *end != '\0')
        return -1;
    return ::timegm(&parts);
}

std::string time_ago(std::string_view rfc3339, std::time_t now)
{
    auto then = parse_rfc3339(rfc3339);
    if (then < 0 || now < then)
        return "N/A";
    return human_duration(now - then) + " ago";
}

Result<uint64_t> parse_byte_size(std::string_view text)
{
    uint64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    std::string unit(end, text.data() + text.size());
    for (auto& c : unit)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (unit.size() == 2 && unit[1] == 'b')
        unit.pop_back();
    static constexpr std::string_view units = "bkmg";
    auto position = unit.size() == 1 ? units.find(unit[0]) : (unit.empty() ? 0 : std::string_view::npos);
    if (error != std::errc() || end == text.data() || position == std::string_view::npos || value > ((uint64_t { 1 } << 50) >> (10 * position)))
        return make_error("invalid size '{}': give a number with an optional unit b, k, m or g", text);
    return value << (10 * position);
}

}
