#pragma once

#include <string>
#include <string_view>

namespace vmlet::lab {

// Text as HTML character data or an attribute value: & < > " ' as references, so a string from
// the workload under test (which may be hostile) stays text and never becomes markup.
std::string html_escape(std::string_view text);

}
