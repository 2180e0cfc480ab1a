#pragma once

#include "containers/image/json_fields.h"
#include "containers/runtime/container_config.h"

#include <vector>

namespace vmlet {

// How a container's record (container.json) keeps what it was created with. Every parser checks
// types: a record is vmlet's own file, but one from another version or edited by hand must give an
// error, never a wrong container.
image::json_fields::Json config_json(const ContainerConfig& config);
Result<ContainerConfig> parse_config(const image::json_fields::Json& object);

image::json_fields::Json security_json(const SecurityOptions& security);
// From object["security"]; Docker's defaults when there is none (a record older than the options).
Result<SecurityOptions> parse_security(const image::json_fields::Json& object);

image::json_fields::Json mounts_json(const std::vector<MountSpec>& mounts);
// From object["mounts"]; none when absent.
Result<std::vector<MountSpec>> parse_mounts(const image::json_fields::Json& object);

}
