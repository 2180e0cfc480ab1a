#include "containers/cli/image_limits_environment.h"

#include "containers/cli/human_units.h"

#include <charconv>
#include <cstdlib>
#include <string_view>

namespace vmlet {

namespace {

// A positive byte size in `variable`, or `fallback` when it is unset or empty.
Result<uint64_t> bytes_from(const char* variable, uint64_t fallback, uint64_t most)
{
    const char* text = std::getenv(variable);
    if (!text || !*text)
        return fallback;
    auto bytes = parse_byte_size(text);
    if (!bytes.ok() || bytes.value() == 0 || bytes.value() > most)
        return make_error("{} must be a size from 1 byte to {} bytes (such as 512m or 32g), not '{}'", variable, most, text);
    return bytes.value();
}

Result<uint64_t> count_from(const char* variable, uint64_t fallback)
{
    const char* text = std::getenv(variable);
    if (!text || !*text)
        return fallback;
    std::string_view value(text);
    uint64_t count = 0;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), count);
    if (error != std::errc() || end != value.data() + value.size() || count == 0)
        return make_error("{} must be a positive whole number, not '{}'", variable, value);
    return count;
}

}

Result<image::ImageLimits> image_limits_from_environment()
{
    image::ImageLimits limits;
    limits.layer_bytes = TRY(bytes_from(image::kMaxLayerSizeVariable, limits.layer_bytes, UINT64_MAX));
    limits.layer_entries = TRY(count_from(image::kMaxLayerEntriesVariable, limits.layer_entries));
    limits.manifest_bytes = TRY(bytes_from(image::kMaxManifestSizeVariable, limits.manifest_bytes, image::kManifestSizeCeiling));
    return limits;
}

}
