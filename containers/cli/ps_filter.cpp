#include "containers/cli/ps_filter.h"

#include <algorithm>

namespace vmlet {

namespace {

constexpr std::string_view kStatuses[] = { "created", "running", "paused", "exited" };

}

Result<PsFilter> PsFilter::parse(const std::vector<std::string>& filters)
{
    PsFilter filter;
    for (const auto& text : filters) {
        auto equals = text.find('=');
        if (equals == std::string::npos || equals == 0)
            return make_error("bad format of filter '{}' (expected name=value)", text);
        auto key = text.substr(0, equals), value = text.substr(equals + 1);
        if (key == "label")
            return make_error("filter 'label': vmlet's containers have no labels yet");
        if (key != "status" && key != "name" && key != "id" && key != "isolation")
            return make_error("invalid filter '{}' (vmlet ps filters by status, name, id and isolation)", key);
        if (key == "status" && std::ranges::find(kStatuses, value) == std::end(kStatuses))
            return make_error("invalid filter 'status={}' (created, running, paused or exited)", value);
        filter.m_values[key].push_back(value);
    }
    return filter;
}

bool PsFilter::matches(const ContainerRecord& record, std::string_view status) const
{
    auto any = [&](const char* key, auto test) {
        auto found = m_values.find(key);
        return found == m_values.end() || std::ranges::any_of(found->second, test);
    };
    return any("status", [&](const std::string& value) { return value == status; })
        && any("name", [&](const std::string& value) { return record.name.find(value) != std::string::npos; })
        && any("id", [&](const std::string& value) { return record.id.starts_with(value); })
        && any("isolation", [&](const std::string& value) { return value == isolation_name(record.isolation); });
}

}
