/* `vmlet exec`: an exec's connection, served as main() serves the container's command. */
#define _GNU_SOURCE
#include "exec.h"

#include "io.h"
#include "launch.h"
#include "serve.h"
#include "spec.h"

#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>

/* An exec's connection (agent_protocol.h, "Exec"), in a child of the agent. */
_Noreturn void serve_exec(int control)
{
	discard_control_input(); /* bytes the agent had from its own control are not this exec's */
	struct spec spec = { 0 };
	read_spec(control, true, &spec);
	int streams[3];
	if (!connect_streams(&spec, streams))
		die("connecting an exec's streams", strerrordesc_np(errno));
	/* setns(2): the command this process starts next is in the container's pid namespace. */
	const char *failed = setns(container_pidfd, CLONE_NEWPID) < 0 ? "join the container's pid namespace" : NULL;
	struct session session = launch(control, &spec, streams, failed, false);
	serve(&session, (struct listeners) { -1, -1, -1, -1 });
}
