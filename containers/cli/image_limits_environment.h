#pragma once

#include "vmm/base/result.h"
#include "containers/image/image_limits.h"

namespace vmlet {

// The caps of image_limits.h as the environment sets them, for `pull`, `load` and `run` alike;
// defaults for those unset or empty:
//   VMLET_MAX_LAYER_SIZE     bytes, with an optional unit k, m or g ("32g")
//   VMLET_MAX_LAYER_ENTRIES  a count
//   VMLET_MAX_MANIFEST_SIZE  bytes, as above, at most 64m (image::kManifestSizeCeiling)
// A value that is not one is a one-line error naming the variable.
Result<image::ImageLimits> image_limits_from_environment();

}
