#pragma once

#include "vmm/base/result.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

// Typed reads of untrusted JSON documents (manifests, configs, the store's records): a missing
// optional field reads as empty, a field of the wrong type is an error naming the field.
namespace vmlet::image::json_fields {

using Json = nlohmann::json;

// Parses `text` as one JSON object; `what` names the document in the error.
Result<Json> parse_object(std::string_view text, std::string_view what);

Result<std::string> string_or_empty(const Json& object, const char* field);
Result<std::string> required_string(const Json& object, const char* field);
Result<std::vector<std::string>> strings_or_empty(const Json& object, const char* field);
// The keys of an object field such as ExposedPorts ({"80/tcp": {}}).
Result<std::vector<std::string>> keys_or_empty(const Json& object, const char* field);
Result<const Json*> object_or_null(const Json& object, const char* field);
Result<const Json*> array_or_null(const Json& object, const char* field);

}
