/* Serving a started command: control messages, its exit, and the agent's listeners (serve.c). */
#pragma once

#include "agent_protocol.h"
#include "session.h"

/* Set up by main() and inherited by the children that serve execs. */
extern int signals; /* a signalfd(2) for SIGCHLD, which stays blocked in the agent */

void send_status(int control, enum vmlet_agent_message tag, int status);
_Noreturn void finish(int control, int status);
void discard_control_input(void);
/* The container's command's listeners (agent_protocol.h); -1 for those it lacks, and for an exec's. */
struct listeners {
	int forward, exec, hosts, tools;
};
_Noreturn void serve(struct session *session, struct listeners listeners);
