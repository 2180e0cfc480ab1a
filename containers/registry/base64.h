#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vmlet::image {

// Standard base64 with padding (RFC 4648 section 4), as HTTP Basic credentials are written.
std::string base64(std::string_view bytes);

// The bytes `text` encodes in that alphabet, or nothing when it is not canonical base64 with
// padding (a length not a multiple of 4, a character outside the alphabet, misplaced '=').
std::optional<std::string> base64_decode(std::string_view text);

}
