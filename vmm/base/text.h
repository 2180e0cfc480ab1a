#pragma once

#include <string_view>
#include <vector>

namespace vmlet {

// The fields of `text` between `separator`s, empty ones included ("a::b" has three).
std::vector<std::string_view> split(std::string_view text, char separator);

}
