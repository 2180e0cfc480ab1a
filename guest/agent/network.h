/* The container's network (agent_protocol.h, 'N', 'H' and 'R'), which network.c sets up. */
#pragma once

#include "spec.h"

#include <stdbool.h>

/* eth0 as 'N' says, and `lo`; false and errno on failure. */
bool network_up(const struct spec *spec);
/*
 * Without a network (--network none) the container sees `lo` only, as under Docker: the card a VM
 * restored from a template has (its tap on no bridge) leaves the guest, its driver unbound through
 * sysfs (Documentation/driver-api/driver-model/binding.rst). True when there is no card at all.
 */
bool network_card_away(void);
/* The spec's /etc/hosts and /etc/resolv.conf in the container's root; false and errno on failure. */
bool write_etc_files(const struct spec *spec);
/* The file `name` of the container's /etc made anew with `text`; false and errno on failure. */
bool write_etc_file(const char *name, const char *text);
