/*
 * vmlet-agent: runs one container's process inside a microVM (`vmlet run --isolation=vm`). Guest
 * init (guest/init/init.c) starts it as /bin/vmlet-agent and powers the VM off with its exit status.
 * The protocol with the host is guest/agent/agent_protocol.h; in short:
 *   1. mount the writable layer (a tmpfs); connect the control stream, read the spec, connect the
 *      standard streams;
 *   2. build the container's root: the image (/dev/vda, ext4, read-only) under an overlay with
 *      that upper layer (or with 'L' the container's own disk, /dev/vdb), with /proc, /dev, /sys, /dev/shm and /dev/pts; its /etc/hosts and
 *      /etc/resolv.conf; a pids cgroup; eth0 on the host's bridge; `lo`; hostname;
 *   3. start the command in it ('S' or 'F' STATUS), deliver signals ('K'), relay published ports,
 *      answer `vmlet cp` and `vmlet top`, start `vmlet exec` commands (each in a child of the agent that serves it as 2-4 serve the
 *      container's command);
 *   4. report its exit ('X' STATUS), wait for the host's 'A', exit with the status.
 *
 * With --template, the root is built first and the agent waits to be saved as a snapshot and woken
 * in each VM restored from it (template.c; agent_protocol.h, "Templates"); 1 then starts there.
 *
 * The files: main.c (these steps for the container's command), spec.c (the spec),
 * container_root.c (the writable layer, the root, the cgroup), launch.c (starting a command),
 * serve.c (control messages, the command's exit, the listeners), exec.c (an exec's connection),
 * tools.c (vmlet cp's and top's requests),
 * terminal.c and published_ports.c (the relays), template.c (waiting as a template),
 * host_state.c (the clock and randomness from the host), network.c (eth0, /etc/hosts and
 * /etc/resolv.conf), io.c (the I/O they share).
 *
 * Every system call here is interpreted guest kernel work on a PVM host (about 0.3 ms each, see
 * shared/ENVIRONMENT.md), so the agent makes as few as it can: the standard streams are the vsock
 * connections themselves (no byte of output passes through the agent, except a terminal's, which
 * it must relay), /dev is a devtmpfs (one mount, not a tmpfs of bind mounts), and the command
 * starts with vfork (no copy of the agent's address space, no copy-on-write faults, no status pipe).
 *
 * The VM is the container's isolation boundary: the agent uses chroot rather than mount or network
 * namespaces. Its one namespace is a pid namespace, so that the command is its container's PID 1
 * as under Docker: signals it has no handler for are ignored (SIGTERM from `vmlet stop`, SIGPIPE),
 * orphans are its to reap, and `ps` shows the container's processes only.
 */
#define _GNU_SOURCE
#include "agent_protocol.h"
#include "container_root.h"
#include "host_state.h"
#include "io.h"
#include "launch.h"
#include "network.h"
#include "published_ports.h"
#include "serve.h"
#include "spec.h"
#include "template.h"
#include "volumes.h"

#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	bool template = argc > 1 && strcmp(argv[1], VMLET_AGENT_TEMPLATE_FLAG) == 0;
	prepare_layer();
	const char *failed = NULL;
	int control;
	if (template) {
		/* The expensive part, the root, is what a template saves its clones. */
		if ((failed = build_root(LAYER_DIR)))
			die(failed, strerrordesc_np(errno));
		warm_files(argv + 2, argc - 2);
		control = wait_for_wake();
	} else if ((control = vsock_connect(VMLET_AGENT_PORT_CONTROL)) < 0) {
		die("connecting to the host's control port", strerrordesc_np(errno));
	}
	struct spec spec = { 0 };
	read_spec(control, false, &spec);
	int streams[3];
	if (!connect_streams(&spec, streams))
		die("connecting the standard streams", strerrordesc_np(errno));

	/* Setup failures go to the stderr stream, where the host shows them, and end in 'F' 125. */
	if (!adopt_host_state(&spec))
		failed = "take the host's clock and randomness";
	if (!failed && spec.layer_on_disk)
		failed = move_layer_to_disk(template);
	else if (!failed && spec.has_bundle_root)
		failed = mount_bundle_root(&spec, template);
	else if (!failed && !template)
		failed = build_root(LAYER_DIR);
	if (!failed)
		failed = mount_volumes(&spec);
	int forward = -1, exec = -1, hosts = -1, tools = -1;
	if (!failed && spec.pids_max)
		cgroup_procs = make_cgroup(spec.pids_max, &failed);
	if (!failed && !write_etc_files(&spec))
		failed = "write /etc/hosts and /etc/resolv.conf";
	if (!failed && spec.has_network && !network_up(&spec))
		failed = "configure eth0";
	if (!failed && !spec.has_network && !network_card_away())
		failed = "remove eth0 (no network)";
	if (!failed && spec.loopback && (!loopback_up() || (forward = vsock_listen(VMLET_AGENT_PORT_FORWARD)) < 0))
		failed = "bring up lo and listen for published ports";
	if (!failed && (exec = vsock_listen(VMLET_AGENT_PORT_EXEC)) < 0)
		failed = "listen for exec";
	if (!failed && (tools = vsock_listen(VMLET_AGENT_PORT_TOOLS)) < 0)
		failed = "listen for cp and top";
	if (!failed && spec.has_network && (hosts = vsock_listen(VMLET_AGENT_PORT_HOSTS)) < 0)
		failed = "listen for /etc/hosts";
	if (!failed && spec.hostname && sethostname(spec.hostname, strlen(spec.hostname)) < 0)
		failed = "sethostname";

	/*
	 * SIGCHLD is blocked and read from a signalfd(2), so that poll(2) sees the command's exit and
	 * that of relay and exec children alike; commands get the agent's original mask back.
	 */
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (!failed && (sigprocmask(SIG_BLOCK, &chld, &command_mask) < 0 || (signals = signalfd(-1, &chld, SFD_CLOEXEC)) < 0))
		failed = "signalfd";
	struct session session = launch(control, &spec, streams, failed, true);
	serve(&session, (struct listeners) { forward, exec, hosts, tools });
}
