#pragma once

#include "vmm/base/result.h"
#include "containers/image/image_index.h"
#include "containers/image/store.h"

#include <string>

namespace vmlet::lab {

// The image `vmlet compare` runs when it is given none, so that it works offline right after
// setup: Debian's busybox-static (/bin/busybox) and the lab's probe (vmlet-probe, installed
// beside vmlet's guest files), one layer, named vmlet-lab:<the probe's digest, 12 hex digits> so
// that a new probe makes a new image. Made and loaded into the store when it is missing; the
// caller holds the store's exclusive lock. Its name.
Result<std::string> ensure_lab_image(const image::Store& store, const image::ImageIndex& index, const std::string& probe_path);

}
