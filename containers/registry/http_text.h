#pragma once

#include <string>
#include <string_view>

namespace vmlet::image {

// HTTP names (header fields, auth schemes and parameters, media types) compare case-insensitively
// in ASCII (RFC 7230 section 3.2, RFC 7235 section 2.1, RFC 6838 section 4.2): one lowercase form.
std::string ascii_lowercase(std::string_view text);

// `text` without the optional whitespace (RFC 7230 section 3.2.3) around it, nor the CR LF that
// ends a header line as libcurl hands it over.
std::string_view trim_whitespace(std::string_view text);

}
