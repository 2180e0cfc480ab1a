/* Starting a command, the container's or an exec's, in the container's root (launch.c). */
#pragma once

#include "session.h"
#include "spec.h"

#include <signal.h>
#include <stdbool.h>

/* Set up by main() and inherited by the children that serve execs. */
extern int cgroup_procs; /* the container cgroup's cgroup.procs (O_CLOEXEC), or -1 */
extern int container_pidfd; /* a pidfd of the container's command (clone(2), CLONE_PIDFD): execs join its pid namespace */
extern sigset_t command_mask; /* the mask the agent started with, which commands get back */

bool connect_streams(const struct spec *spec, int streams[3]);
struct session launch(int control, const struct spec *spec, int streams[3], const char *failed, bool container);
