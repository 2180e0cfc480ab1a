/*
 * Starting a command: the container's in a new pid namespace, an exec's in that namespace, both
 * with vfork's sharing of the agent's memory, in the container's root, cgroup and user.
 */
#define _GNU_SOURCE
#include "launch.h"

#include "agent_protocol.h"
#include "container_root.h"
#include "io.h"
#include "serve.h"
#include "terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* Creates the working directory and its missing parents, as Docker does (mkdir -p). */
static void make_directories(const char *path)
{
	char copy[PATH_MAX];
	size_t length = strlen(path); /* < PATH_MAX: decode_spec checked */
	memcpy(copy, path, length + 1);
	for (size_t index = 1; index <= length; ++index) {
		if (copy[index] == '/' || copy[index] == '\0') {
			char saved = copy[index];
			copy[index] = '\0';
			mkdir(copy, 0755);
			copy[index] = saved;
		}
	}
}

/*
 * Written by the vfork child just before it gives up, read by the agent once vfork returns:
 * vfork(2) shares the address space and suspends the agent until the child execs or exits.
 */
static volatile int start_failure;

/* Described in launch.h. */
int cgroup_procs = -1;
int container_pidfd = -1;
sigset_t command_mask;

/* A command's standard streams, and whether they are a terminal to take as its controlling one. */
struct command_stdio {
	int fds[3];
	bool terminal;
};

/*
 * The vfork child: it shares the agent's memory, so it touches only its own stack, this function's
 * arguments and the globals above, calls nothing that allocates, and leaves by execve or _exit.
 * The container's command is PID 1 of a new pid namespace (`pid_namespace_init`), and mounts the
 * container's /proc from there so that it shows that namespace.
 */
static _Noreturn void run_command(const struct spec *spec, const struct command_stdio *stdio, bool pid_namespace_init)
{
	const char *failed = NULL, *detail = NULL;
	int status = STATUS_SETUP_FAILED;
	/* The descriptors are >= 3 (init gave the agent 0, 1 and 2), so dup2 clears CLOEXEC. */
	if (dup2(stdio->fds[0], 0) < 0 || dup2(stdio->fds[1], 1) < 0 || dup2(stdio->fds[2], 2) < 0)
		failed = "dup2";
	/* A session leader without a controlling terminal takes one with TIOCSCTTY (ioctl_tty(2)). */
	else if (stdio->terminal && (setsid() < 0 || ioctl(0, TIOCSCTTY, 0) < 0))
		failed = "take the terminal";
	else if (cgroup_procs >= 0 && write(cgroup_procs, "0", 1) != 1)
		failed = "join the cgroup";
	else if (pid_namespace_init && !mount_in_root("proc", ROOT_DIR "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		failed = "mount /proc";
	else if (chroot(ROOT_DIR) < 0)
		failed = "chroot";
	else if (chdir(spec->workdir) < 0 && (errno != ENOENT || (make_directories(spec->workdir), chdir(spec->workdir) < 0)))
		failed = "chdir", detail = spec->workdir;
	/* The agent runs as root with no supplementary groups: only another user needs changes. */
	else if ((spec->uid || spec->gid || spec->group_count)
		&& (setgroups(spec->group_count, spec->groups) < 0 || setgid(spec->gid) < 0 || setuid(spec->uid) < 0))
		failed = "set the user";
	else if (sigprocmask(SIG_SETMASK, &command_mask, NULL) < 0)
		failed = "sigprocmask";
	else {
		/* execvp(3) searches the PATH of `environ`: the command's own environment. */
		environ = spec->envp;
		execvp(spec->argv[0], spec->argv);
		failed = "exec", detail = spec->argv[0];
		status = errno == ENOENT ? STATUS_NOT_FOUND : STATUS_NOT_EXECUTABLE;
	}
	int error = errno;
	start_failure = status;
	say(STDERR_FILENO, "vmlet: ", failed, detail ? " " : "", detail, ": ", strerrordesc_np(error));
	_exit(status);
}

/*
 * vfork returns twice, so it lives in a small function of its own: the caller's variables stay
 * out of the frame that the child and the agent share (gcc's -Wclobbered).
 */
static __attribute__((noinline)) pid_t start_exec_command(const struct spec *spec, const struct command_stdio *stdio)
{
	pid_t child = vfork();
	if (child == 0)
		run_command(spec, stdio, false);
	return child;
}

/*
 * The container's command: as vfork (CLONE_VM | CLONE_VFORK, clone(2)), in a new pid namespace, on
 * a stack of its own since the child's first frame must not overwrite the agent's; its pidfd goes
 * to container_pidfd.
 */
struct command_start {
	const struct spec *spec;
	const struct command_stdio *stdio;
};

static int container_command_main(void *argument)
{
	const struct command_start *start = argument;
	run_command(start->spec, start->stdio, true);
}

static pid_t start_container_command(const struct spec *spec, const struct command_stdio *stdio)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));
	struct command_start start = { spec, stdio };
	return clone(container_command_main, stack + sizeof stack, CLONE_VM | CLONE_VFORK | CLONE_NEWPID | CLONE_PIDFD | SIGCHLD,
		&start, &container_pidfd);
}

/* The command's stdin, stdout and stderr, connected in the order agent_protocol.h gives; false on failure. */
bool connect_streams(const struct spec *spec, int streams[3])
{
	unsigned port = (unsigned)spec->stream_port;
	if ((streams[1] = vsock_connect(port)) < 0 || (streams[2] = vsock_connect(port + 1)) < 0)
		return false;
	streams[0] = spec->attach_stdin ? vsock_connect(port + 2) : open("/dev/null", O_RDONLY | O_CLOEXEC);
	return streams[0] >= 0;
}

/*
 * Starts the spec's command on the connected `streams`, unless `failed` says what part of the
 * setup went wrong (errno why); then reports 'S', or 'F' and ends. Returns the session to serve.
 */
struct session launch(int control, const struct spec *spec, int streams[3], const char *failed, bool container)
{
	struct session session = { .control = control, .child = -1, .input_relay = -1, .master = -1, .output = -1, .container = container };
	struct command_stdio stdio = { { streams[0], streams[1], streams[2] }, spec->terminal };
	int terminal = -1;
	if (!failed && spec->terminal && (terminal = open_terminal(spec, &session.master)) < 0)
		failed = "open a terminal";
	if (failed) {
		say(streams[2], "vmlet: cannot ", failed, ": ", strerrordesc_np(errno));
	} else {
		if (spec->terminal)
			stdio.fds[0] = stdio.fds[1] = stdio.fds[2] = terminal;
		if ((session.child = container ? start_container_command(spec, &stdio) : start_exec_command(spec, &stdio)) < 0)
			say(streams[2], "vmlet: cannot start the command: ", strerrordesc_np(errno));
	}
	if (session.child < 0)
		start_failure = STATUS_SETUP_FAILED;
	if (terminal >= 0)
		close(terminal);
	if (session.master >= 0) {
		session.output = streams[1];
		session.terminal_open = true;
		streams[1] = -1;
		if (spec->attach_stdin && !start_failure && (session.input_relay = fork()) == 0) {
			/* The relay holds nothing but its two ends, so that the other streams end on time. */
			close(control);
			close(session.output);
			close(streams[2]);
			relay_input(streams[0], session.master);
		}
	}
	/* Only the command and its relays may hold the streams now, so the host sees their end when it exits. */
	for (int index = 0; index < 3; ++index)
		if (streams[index] >= 0)
			close(streams[index]);
	if (start_failure) {
		end_terminal(&session);
		send_status(control, VMLET_AGENT_MSG_FAILED, start_failure);
		finish(control, start_failure);
	}
	const char started = VMLET_AGENT_MSG_STARTED;
	send(control, &started, 1, MSG_NOSIGNAL);
	return session;
}
