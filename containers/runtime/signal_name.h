#pragma once

#include "vmm/base/result.h"

#include <string_view>

namespace vmlet {

// A signal as `kill -s`, docker kill and runc kill take it: a number, or a name with or without
// SIG ("TERM", "SIGTERM"), as sigabbrev_np(3) spells it.
Result<int> parse_signal(std::string_view text);

}
