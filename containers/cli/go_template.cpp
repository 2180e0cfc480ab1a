#include "containers/cli/go_template.h"

#include <fmt/format.h>

namespace vmlet {

namespace {

std::string_view trim(std::string_view text)
{
    while (!text.empty() && text.front() == ' ')
        text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ')
        text.remove_suffix(1);
    return text;
}

// Follows ".A.B.C" from `value`; a field missing on the way is an error, as text/template's
// "map has no entry for key" is for Docker's structs.
Result<const nlohmann::json*> follow(std::string_view path, const nlohmann::json& value)
{
    if (!path.starts_with("."))
        return make_error("template: '{}' is not a field path (.Field.Sub)", path);
    const nlohmann::json* at = &value;
    path.remove_prefix(1);
    while (!path.empty()) {
        auto dot = path.find('.');
        auto name = path.substr(0, dot);
        if (name.empty() || !at->is_object() || !at->contains(name))
            return make_error("template: no field '{}' here", name);
        at = &(*at)[std::string(name)];
        path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    }
    return at;
}

}

Result<std::string> render_go_template(std::string_view format, const nlohmann::json& value)
{
    std::string out;
    while (!format.empty()) {
        auto open = format.find("{{");
        out += format.substr(0, open);
        if (open == std::string_view::npos)
            break;
        auto close = format.find("}}", open);
        if (close == std::string_view::npos)
            return make_error("template: an action '{{{{' without its '}}}}'");
        auto action = trim(format.substr(open + 2, close - open - 2));
        bool as_json = action.starts_with("json ");
        if (as_json)
            action = trim(action.substr(5));
        const auto* field = TRY(follow(action, value));
        out += field->is_string() && !as_json ? field->get<std::string>() : field->dump();
        format.remove_prefix(close + 2);
    }
    return out;
}

Result<void> print_inspected(const nlohmann::json& all, const std::string& format)
{
    if (format.empty()) {
        fmt::print("{}\n", all.dump(4));
        return {};
    }
    std::string lines;
    for (const auto& each : all)
        lines += TRY(render_go_template(format, each)) + "\n";
    fmt::print("{}", lines);
    return {};
}

}
