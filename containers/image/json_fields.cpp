#include "containers/image/json_fields.h"

namespace vmlet::image::json_fields {

Result<Json> parse_object(std::string_view text, std::string_view what)
{
    auto json = Json::parse(text, nullptr, false);
    if (json.is_discarded())
        return make_error("{} is not valid JSON", what);
    if (!json.is_object())
        return make_error("{} is not a JSON object", what);
    return json;
}

Result<std::string> string_or_empty(const Json& object, const char* field)
{
    auto found = object.find(field);
    if (found == object.end() || found->is_null())
        return std::string();
    if (!found->is_string())
        return make_error("'{}' is not a string", field);
    return found->get<std::string>();
}

Result<std::string> required_string(const Json& object, const char* field)
{
    auto found = object.find(field);
    if (found == object.end() || !found->is_string())
        return make_error("'{}' is missing or not a string", field);
    return found->get<std::string>();
}

Result<std::vector<std::string>> strings_or_empty(const Json& object, const char* field)
{
    auto found = object.find(field);
    if (found == object.end() || found->is_null())
        return std::vector<std::string>();
    if (!found->is_array())
        return make_error("'{}' is not an array of strings", field);
    std::vector<std::string> strings;
    for (const auto& element : *found) {
        if (!element.is_string())
            return make_error("'{}' is not an array of strings", field);
        strings.push_back(element.get<std::string>());
    }
    return strings;
}

Result<std::vector<std::string>> keys_or_empty(const Json& object, const char* field)
{
    const Json* value = TRY(object_or_null(object, field));
    std::vector<std::string> keys;
    if (value)
        for (const auto& item : value->items())
            keys.push_back(item.key());
    return keys;
}

Result<const Json*> object_or_null(const Json& object, const char* field)
{
    auto found = object.find(field);
    if (found == object.end() || found->is_null())
        return static_cast<const Json*>(nullptr);
    if (!found->is_object())
        return make_error("'{}' is not an object", field);
    return &*found;
}

Result<const Json*> array_or_null(const Json& object, const char* field)
{
    auto found = object.find(field);
    if (found == object.end() || found->is_null())
        return static_cast<const Json*>(nullptr);
    if (!found->is_array())
        return make_error("'{}' is not an array", field);
    return &*found;
}

}
