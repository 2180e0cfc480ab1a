#pragma once

#include "vmm/base/result.h"

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

namespace vmlet {

// A size as docker prints one: three significant digits in SI units ("4.26MB", "912kB").
std::string human_size(uint64_t bytes);

// A duration as docker words one (go-units HumanDuration): "5 seconds", "About a minute", "3 days".
std::string human_duration(std::time_t seconds);

// Seconds since the epoch of an RFC 3339 time ("2024-01-01T00:00:00Z"), or -1.
std::time_t parse_rfc3339(std::string_view text);

// How long before `now` an RFC 3339 time was ("5 minutes ago", "2 weeks ago"), or "N/A".
std::string time_ago(std::string_view rfc3339, std::time_t now);

// A size as `docker run --memory` takes one: a number with an optional unit b, k, m or g
// (powers of 1024, any case, an optional trailing "b": "64m", "1g", "512kb", "1048576").
Result<uint64_t> parse_byte_size(std::string_view text);

}
