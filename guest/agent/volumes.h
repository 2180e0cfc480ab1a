/* The container's mounts ('M', agent_protocol.h): its volumes over virtio-fs, and tmpfs. */
#pragma once

#include "spec.h"

/* Mounts each of the spec's mounts over ROOT_DIR, in order; NULL, or what failed (errno says why). */
const char *mount_volumes(const struct spec *spec);
const char *mount_bundle_root(const struct spec *spec, bool root_built);
