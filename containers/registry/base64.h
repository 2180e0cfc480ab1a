#pragma once

#include <string>
#include <string_view>

namespace vmlet::image {

// Standard base64 with padding (RFC 4648 section 4), as HTTP Basic credentials are written.
std::string base64(std::string_view bytes);

}
