/*
 * Serving a started command: the host's control messages, the command's exit, and for the
 * container's command the connections to the agent's listeners.
 */
#define _GNU_SOURCE
#include "serve.h"

#include "agent_protocol.h"
#include "exec.h"
#include "io.h"
#include "network.h"
#include "published_ports.h"
#include "terminal.h"
#include "tools.h"

#include <errno.h>
#include <linux/vm_sockets.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Described in serve.h. */
int signals = -1;

/* Control messages arrive in any split: a small buffer in front of recv(2). */
static unsigned char inbox[256];
static size_t inbox_start, inbox_end;

/* The next byte from the host on control, reading when the buffer is empty; -1 at end or error. */
static int control_byte(int control)
{
	if (inbox_start == inbox_end) {
		ssize_t count = recv(control, inbox, sizeof inbox, 0);
		if (count <= 0)
			return -1;
		inbox_start = 0;
		inbox_end = (size_t)count;
	}
	return inbox[inbox_start++];
}

/* Forgets the buffer's bytes: a child serving an exec has the agent's, which are not its own. */
void discard_control_input(void)
{
	inbox_start = inbox_end = 0;
}

/* The bytes that follow a message's tag on control (agent_protocol.h); 0 for a tag out of turn. */
static int payload_size(int tag)
{
	return tag == VMLET_AGENT_MSG_KILL ? 1 : tag == VMLET_AGENT_MSG_WINDOW ? 4 : 0;
}

/*
 * 'F' or 'X' and a status to the host. A failed send needs no handling: the host is gone, and the
 * next read of control says so.
 */
void send_status(int control, enum vmlet_agent_message tag, int status)
{
	unsigned char message[2] = { (unsigned char)tag, (unsigned char)status };
	send(control, message, sizeof message, MSG_NOSIGNAL);
}

/* The end: wait for the host's 'A' (it has drained the streams) or its leaving, then exit. */
_Noreturn void finish(int control, int status)
{
	for (;;) {
		int tag = control_byte(control);
		if (tag < 0 || tag == VMLET_AGENT_MSG_ACK)
			_exit(status);
		for (int size = payload_size(tag); size > 0; --size)
			if (control_byte(control) < 0)
				_exit(status);
	}
}

/* Every whole message received on control; anything but 'K' and 'W' is out of turn and ignored. */
static void read_control(const struct session *session)
{
	do {
		int tag = control_byte(session->control), size = payload_size(tag);
		int value[4] = { 0 };
		for (int index = 0; index < size && tag >= 0; ++index)
			if ((value[index] = control_byte(session->control)) < 0)
				tag = -1;
		if (tag < 0) {
			/* The host is gone: nobody is left to report to. */
			kill(session->child, SIGKILL);
			_exit(128 + SIGKILL);
		}
		if (tag == VMLET_AGENT_MSG_KILL)
			kill(session->child, value[0]); /* kill(2) refuses a signal number out of range */
		if (tag == VMLET_AGENT_MSG_WINDOW && session->master >= 0) {
			/* The terminal sends its foreground process group SIGWINCH (ioctl_tty(2), TIOCSWINSZ). */
			struct winsize size = { .ws_row = (unsigned short)(value[0] | value[1] << 8), .ws_col = (unsigned short)(value[2] | value[3] << 8) };
			ioctl(session->master, TIOCSWINSZ, &size);
		}
	} while (inbox_start < inbox_end);
}

/* SIGCHLD: reaps the agent's children; when the command is among them, reports its exit and ends. */
static void reap(struct session *session)
{
	struct signalfd_siginfo info;
	(void)!read(signals, &info, sizeof info);
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != session->child)
			continue; /* a relay, or an exec's server */
		status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		/*
		 * As when a container's PID 1 exits: everything left in the VM (background processes
		 * holding the streams, relays, execs) ends too, so the host sees EOF. An exec's leftovers
		 * stay, as docker exec's do; only its own input relay goes.
		 */
		if (session->container) {
			kill(-1, SIGKILL);
			/* Its writable layer ('L') and volumes keep what it wrote: the host ends the VM on 'X'. */
			sync();
		} else if (session->input_relay > 0)
			kill(session->input_relay, SIGKILL);
		end_terminal(session);
		send_status(session->control, VMLET_AGENT_MSG_EXITED, status);
		finish(session->control, status);
	}
}

/*
 * Accepts a connection on `listener` and serves it in a child of its own: only the host's. The
 * guest kernel has vsock loopback, through which the container's own processes could reach the
 * agent's listeners too.
 */
static void accept_child(int listener, void (*serve_connection)(int))
{
	struct sockaddr_vm peer_address = { 0 };
	socklen_t length = sizeof peer_address;
	int peer = accept4(listener, (struct sockaddr *)&peer_address, &length, SOCK_CLOEXEC);
	if (peer < 0)
		return;
	if (peer_address.svm_cid == VMADDR_CID_HOST && fork() == 0)
		serve_connection(peer);
	close(peer);
}

/* A HOSTS connection (agent_protocol.h, "Hosts"): the container's /etc/hosts anew. */
static _Noreturn void serve_hosts(int peer)
{
	static char text[VMLET_AGENT_MAX_ETC_FILE + 1];
	unsigned char count_bytes[4];
	bool done = false;
	if (read_exactly(peer, count_bytes, sizeof count_bytes)) {
		uint32_t count = (uint32_t)count_bytes[0] | (uint32_t)count_bytes[1] << 8 | (uint32_t)count_bytes[2] << 16 | (uint32_t)count_bytes[3] << 24;
		done = count <= VMLET_AGENT_MAX_ETC_FILE && read_exactly(peer, text, count) && memchr(text, '\0', count) == NULL;
		if (done) {
			text[count] = '\0';
			done = write_etc_file("hosts", text);
		}
	}
	close(peer);
	_exit(done ? 0 : 1);
}

/*
 * Serves a started command until it exits: the host's signals, the terminal's output, and for the
 * container's command the published ports' and the execs' connections.
 */
_Noreturn void serve(struct session *session, struct listeners listeners)
{
	struct pollfd fds[8] = {
		{ session->control, POLLIN, 0 }, { signals, POLLIN, 0 }, { -1, POLLIN, 0 },
		{ listeners.forward, POLLIN, 0 }, { listeners.exec, POLLIN, 0 }, { -1, POLLOUT, 0 }, { listeners.hosts, POLLIN, 0 },
		{ listeners.tools, POLLIN, 0 },
	};
	for (;;) {
		/*
		 * The terminal's output alternates: read from the master side while the buffer is
		 * empty, then wait for the stream to take it (poll(2) skips negative descriptors).
		 */
		bool pending = terminal_output_pending();
		fds[2].fd = session->terminal_open && !pending ? session->master : -1;
		fds[5].fd = pending ? session->output : -1;
		if (poll(fds, 8, -1) < 0) {
			if (errno == EINTR)
				continue;
			say(STDERR_FILENO, "vmlet-agent: poll: ", strerrordesc_np(errno));
			kill(session->child, SIGKILL);
			_exit(STATUS_SETUP_FAILED);
		}
		if (fds[0].revents)
			read_control(session);
		if (fds[2].revents)
			session->terminal_open = read_terminal(session);
		if (fds[5].revents)
			send_terminal_output(session);
		if (fds[1].revents)
			reap(session);
		if (fds[3].revents)
			accept_child(listeners.forward, relay_port);
		if (fds[4].revents)
			accept_child(listeners.exec, serve_exec);
		if (fds[6].revents)
			accept_child(listeners.hosts, serve_hosts);
		if (fds[7].revents)
			accept_child(listeners.tools, serve_tools);
	}
}
