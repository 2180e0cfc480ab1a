#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* One command the agent serves: the container's own, or an exec's. */
struct session {
	int control;
	pid_t child;
	pid_t input_relay; /* with a terminal and 'i': relay_input's child, or -1 */
	int master;        /* with a terminal: its master side, whose output goes to `output` */
	int output;        /* the stdout stream, which the agent writes for a terminal; else -1 */
	bool terminal_open; /* the master side still reads (no EIO yet) */
	bool container;    /* the container's own command: its exit ends everything in the VM */
};
