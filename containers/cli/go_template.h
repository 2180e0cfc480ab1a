#pragma once

#include "vmm/base/result.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace vmlet {

// The subset of Go's text/template that `docker inspect --format` is mostly given: literal text
// and actions `{{.Field.Sub}}` (a dotted path into the object; `{{.}}` is the whole of it) and
// `{{json .Path}}` (the value as JSON). A string prints as itself, anything else as JSON, as
// Docker prints a number or a bool. Anything else in braces is an error, so that a template of
// a richer kind fails in one line rather than print something half right.
Result<std::string> render_go_template(std::string_view format, const nlohmann::json& value);

// What docker inspect prints: the array of objects as indented JSON, or with `format` each object
// through it, one line each.
Result<void> print_inspected(const nlohmann::json& all, const std::string& format);

}
