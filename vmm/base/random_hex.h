#pragma once

#include <cstddef>
#include <string>

namespace vmlet {

// `bytes` (at most 32) random bytes from getrandom(2), as lowercase hex: ids and unique names.
std::string random_hex(size_t bytes);

}
