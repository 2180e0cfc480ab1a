/* What a container's VM takes from the host before its command runs: the clock and randomness. */
#pragma once

#include "spec.h"

#include <stdbool.h>

/*
 * Sets the wall clock to the spec's 'T' and credits its 'r' to the entropy pool, then reseeds the
 * kernel's random number generator, so that two VMs restored from one template neither share
 * random numbers nor a stale clock (agent_protocol.h, "Templates"). False, with errno, on failure.
 */
bool adopt_host_state(const struct spec *spec);
