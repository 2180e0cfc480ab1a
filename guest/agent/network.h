/* The container's network (agent_protocol.h, 'N', 'H' and 'R'), which network.c sets up. */
#pragma once

#include "spec.h"

#include <stdbool.h>

/* eth0 as 'N' says, and `lo`; false and errno on failure. */
bool network_up(const struct spec *spec);
/* The spec's /etc/hosts and /etc/resolv.conf in the container's root; false and errno on failure. */
bool write_etc_files(const struct spec *spec);
