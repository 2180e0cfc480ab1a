#include "containers/image/image_config.h"

#include "containers/image/json_fields.h"

namespace vmlet::image {

using namespace json_fields;

namespace {

Result<void> parse_run_settings(const Json& settings, ImageConfig& config)
{
    config.entrypoint = TRY(strings_or_empty(settings, "Entrypoint"));
    config.cmd = TRY(strings_or_empty(settings, "Cmd"));
    config.env = TRY(strings_or_empty(settings, "Env"));
    config.working_dir = TRY(string_or_empty(settings, "WorkingDir"));
    config.user = TRY(string_or_empty(settings, "User"));
    config.exposed_ports = TRY(keys_or_empty(settings, "ExposedPorts"));
    return {};
}

}

Result<ImageConfig> ImageConfig::parse(std::string_view json)
{
    auto object = TRY(parse_object(json, "the image config"));
    ImageConfig config;
    config.architecture = TRY_CONTEXT(string_or_empty(object, "architecture"), "image config");
    config.os = TRY_CONTEXT(string_or_empty(object, "os"), "image config");
    config.variant = TRY_CONTEXT(string_or_empty(object, "variant"), "image config");
    config.created = TRY_CONTEXT(string_or_empty(object, "created"), "image config");
    if (const Json* settings = TRY_CONTEXT(object_or_null(object, "config"), "image config"))
        TRY_CONTEXT(parse_run_settings(*settings, config), "image config");
    const Json* rootfs = TRY_CONTEXT(object_or_null(object, "rootfs"), "image config");
    if (!rootfs)
        return make_error("image config: 'rootfs' is missing");
    for (const auto& diff_id : TRY_CONTEXT(strings_or_empty(*rootfs, "diff_ids"), "image config rootfs"))
        config.diff_ids.push_back(TRY_CONTEXT(Digest::parse(diff_id), "image config rootfs"));
    return config;
}

}
