/*
 * vmlet-agent: runs one container's process inside a microVM (`vmlet run --isolation=vm`). Guest
 * init (guest/init/init.c) starts it as /bin/vmlet-agent and powers the VM off with its exit status.
 * The protocol with the host is guest/agent/agent_protocol.h; in short:
 *   1. mount the writable layer (a tmpfs); connect the control stream, read the spec, connect the
 *      standard streams;
 *   2. build the container's root: the image (/dev/vda, ext4, read-only) under an overlay with
 *      that upper layer, with /proc, /dev, /sys, /dev/shm and /dev/pts; a pids cgroup; `lo`;
 *      hostname;
 *   3. start the command in it ('S' or 'F' STATUS), deliver signals ('K'), relay published ports,
 *      start `vmlet exec` commands (each in a child of the agent that serves it as 2-4 serve the
 *      container's command);
 *   4. report its exit ('X' STATUS), wait for the host's 'A', exit with the status.
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

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/vm_sockets.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* Exit statuses of a command that never ran (agent_protocol.h, as Docker and POSIX shells). */
enum { STATUS_SETUP_FAILED = 125, STATUS_NOT_EXECUTABLE = 126, STATUS_NOT_FOUND = 127 };

/* Where the agent builds the container's root, in its own root (the initramfs). */
#define IMAGE_DIR "/image"         /* /dev/vda, read-only */
#define LAYER_DIR "/layer"         /* the tmpfs holding the overlay's upper and work directories */
#define ROOT_DIR "/container"      /* the overlay: the command's root */
#define CGROUP_DIR "/sys/fs/cgroup" /* cgroup2, outside the command's root */
#define CONTAINER_CGROUP CGROUP_DIR "/container"

/* The spec, decoded. Strings point into the received buffer, which lives as long as the agent. */
struct spec {
	char **argv;          /* argc entries and a NULL */
	char **envp;          /* likewise */
	size_t argc, envc;
	const char *workdir;  /* absolute */
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	size_t group_count;
	const char *hostname; /* or NULL */
	const char *pids_max; /* decimal, or NULL */
	unsigned long stream_port; /* stdout; stderr and stdin follow */
	bool attach_stdin;
	bool loopback;
	bool terminal;
	struct winsize size;  /* of the terminal */
};

/*
 * Writes all of `size` bytes; false on an error. A host that stopped reading must not kill the
 * agent with SIGPIPE (send(2), MSG_NOSIGNAL); the console and a terminal are no sockets and take
 * write(2).
 */
static bool put(int fd, const char *data, size_t size)
{
	for (size_t done = 0; done < size;) {
		ssize_t count = send(fd, data + done, size - done, MSG_NOSIGNAL);
		if (count < 0 && errno == ENOTSOCK)
			count = write(fd, data + done, size - done);
		if (count < 0 && errno != EINTR)
			return false;
		done += count > 0 ? (size_t)count : 0;
	}
	return true;
}

/*
 * Writes one line, the concatenation of the strings given, with one system call. Messages take
 * their errors from strerrordesc_np(3): plain English, no locale machinery (no allocation, which
 * the vfork child must avoid), and NULL for an unknown errno, which say() leaves out.
 */
#define say(fd, ...) say_parts(fd, (const char *[]){ __VA_ARGS__ }, sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(char *))
static void say_parts(int fd, const char *const *parts, size_t count)
{
	char line[512];
	size_t length = 0;
	for (size_t index = 0; index < count; ++index) {
		if (!parts[index])
			continue;
		size_t size = strnlen(parts[index], sizeof line - 1 - length);
		memcpy(line + length, parts[index], size);
		length += size;
	}
	line[length++] = '\n';
	put(fd, line, length);
}

/* For failures before the standard streams exist: a line on the console, and exit 125. */
static _Noreturn void die(const char *what, const char *detail)
{
	say(STDERR_FILENO, "vmlet-agent: ", what, ": ", detail);
	_exit(STATUS_SETUP_FAILED);
}

/* Reads exactly `size` bytes; false at end of stream or on an error. */
static bool read_exactly(int fd, void *buffer, size_t size)
{
	for (size_t done = 0; done < size;) {
		ssize_t count = recv(fd, (char *)buffer + done, size - done, MSG_WAITALL);
		if (count <= 0)
			return false;
		done += (size_t)count;
	}
	return true;
}

/*
 * 'F' or 'X' and a status to the host. A failed send needs no handling: the host is gone, and the
 * next read of control says so.
 */
static void send_status(int control, char tag, int status)
{
	unsigned char message[2] = { (unsigned char)tag, (unsigned char)status };
	send(control, message, sizeof message, MSG_NOSIGNAL);
}

/* One stream connection to the host on `port` (vsock(7)); -1 and errno on failure. */
static int vsock_connect(unsigned port)
{
	int sock = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_vm address = { .svm_family = AF_VSOCK, .svm_port = port, .svm_cid = VMADDR_CID_HOST };
	if (sock < 0 || connect(sock, (struct sockaddr *)&address, sizeof address) < 0)
		return -1;
	return sock;
}

/* A decimal number in [0, max]: `text` up to the first `stop`, digits only (strtoul(3) takes more). */
static bool parse_number(const char *text, char stop, unsigned long max, unsigned long *value)
{
	*value = 0;
	if (*text == stop)
		return false;
	for (; *text != stop; ++text) {
		if (*text < '0' || *text > '9' || *value > (max - (unsigned long)(*text - '0')) / 10)
			return false;
		*value = *value * 10 + (unsigned long)(*text - '0');
	}
	return true;
}

/* The highest 'o' PORT: its stdin, PORT+2, must stay below VMADDR_PORT_ANY (vsock(7)). */
#define MAX_STREAM_PORT 0xfffffff0UL

/*
 * Decodes the spec's fields (agent_protocol.h) from `data`, `size` bytes that end in a NUL; false
 * on anything malformed: an unknown tag, a repeated single field, a value out of range, or in an
 * exec's spec a field only the container's command may have, or no 'o'.
 */
static bool decode_spec(char *data, size_t size, bool exec, struct spec *spec)
{
	size_t arg_count = 0, env_count = 0, group_count = 0;
	for (char *field = data; field < data + size; field += strlen(field) + 1) {
		arg_count += *field == VMLET_AGENT_FIELD_ARG;
		env_count += *field == VMLET_AGENT_FIELD_ENV;
		group_count += *field == VMLET_AGENT_FIELD_GROUP;
	}
	if (arg_count == 0 || group_count > NGROUPS_MAX)
		return false;
	spec->argv = calloc(arg_count + 1, sizeof *spec->argv);
	spec->envp = calloc(env_count + 1, sizeof *spec->envp);
	spec->groups = calloc(group_count + 1, sizeof *spec->groups);
	if (!spec->argv || !spec->envp || !spec->groups)
		return false;
	bool have_user = false, have_ports = false;
	spec->stream_port = VMLET_AGENT_PORT_STDOUT;
	for (char *field = data; field < data + size; field += strlen(field) + 1) {
		if (*field == '\0')
			return false; /* a field without its tag */
		char *value = field + 1;
		size_t length = strlen(value);
		unsigned long number, second;
		switch (*field) {
		case VMLET_AGENT_FIELD_ARG:
			spec->argv[spec->argc++] = value;
			break;
		case VMLET_AGENT_FIELD_ENV:
			if (value[0] == '=' || !strchr(value, '='))
				return false;
			spec->envp[spec->envc++] = value;
			break;
		case VMLET_AGENT_FIELD_WORKDIR:
			if (spec->workdir || value[0] != '/' || length >= PATH_MAX)
				return false;
			spec->workdir = value;
			break;
		case VMLET_AGENT_FIELD_USER: /* UID:GID; (uid_t)-1 means "unchanged" to setresuid(2), so it is refused */
			if (have_user || !strchr(value, ':') || !parse_number(value, ':', UINT32_MAX - 1, &number)
				|| !parse_number(strchr(value, ':') + 1, '\0', UINT32_MAX - 1, &second))
				return false;
			spec->uid = (uid_t)number;
			spec->gid = (gid_t)second;
			have_user = true;
			break;
		case VMLET_AGENT_FIELD_GROUP:
			if (!parse_number(value, '\0', UINT32_MAX - 1, &number))
				return false;
			spec->groups[spec->group_count++] = (gid_t)number;
			break;
		case VMLET_AGENT_FIELD_STREAM_PORT:
			if (have_ports || !parse_number(value, '\0', MAX_STREAM_PORT, &spec->stream_port)
				|| spec->stream_port < VMLET_AGENT_PORT_STDOUT)
				return false;
			have_ports = true;
			break;
		case VMLET_AGENT_FIELD_TERMINAL:
			if (spec->terminal || !strchr(value, ':') || !parse_number(value, ':', 65535, &number)
				|| !parse_number(strchr(value, ':') + 1, '\0', 65535, &second))
				return false;
			spec->terminal = true;
			spec->size.ws_row = (unsigned short)number;
			spec->size.ws_col = (unsigned short)second;
			break;
		case VMLET_AGENT_FIELD_HOSTNAME: /* sethostname(2): at most HOST_NAME_MAX (64) bytes */
			if (exec || spec->hostname || length == 0 || length > 64)
				return false;
			spec->hostname = value;
			break;
		case VMLET_AGENT_FIELD_PIDS_MAX: /* the pids controller refuses more than PID_MAX_LIMIT (4194304) */
			if (exec || spec->pids_max || !parse_number(value, '\0', 4194304, &number))
				return false;
			spec->pids_max = value;
			break;
		case VMLET_AGENT_FIELD_STDIN:
		case VMLET_AGENT_FIELD_LOOPBACK:
			if (length != 0 || (exec && *field == VMLET_AGENT_FIELD_LOOPBACK))
				return false;
			*(*field == VMLET_AGENT_FIELD_STDIN ? &spec->attach_stdin : &spec->loopback) = true;
			break;
		default:
			return false;
		}
	}
	if (!spec->workdir)
		spec->workdir = "/";
	return have_ports || !exec;
}

/* The spec message: a little-endian u32 byte count, then the fields. Malformed: exit 125. */
static void read_spec(int control, bool exec, struct spec *spec)
{
	unsigned char header[4];
	if (!read_exactly(control, header, sizeof header))
		die("reading the spec", "the host closed the control connection");
	uint32_t size = header[0] | (uint32_t)header[1] << 8 | (uint32_t)header[2] << 16 | (uint32_t)header[3] << 24;
	if (size == 0 || size > VMLET_AGENT_MAX_SPEC)
		die("the spec", "its size is out of range");
	char *data = malloc(size);
	if (!data || !read_exactly(control, data, size))
		die("reading the spec", data ? "the host closed the control connection" : "out of memory");
	if (data[size - 1] != '\0' || !decode_spec(data, size, exec, spec))
		die("the spec", "malformed");
}

/* Writes `text` to the file `path` (cgroup and sysfs knobs); false and errno on failure. */
static bool write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool written = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	int saved = errno;
	close(fd);
	errno = saved;
	return written;
}

/*
 * Mounts inside the container's root. The image may lack the mount point: then it is created
 * (in the overlay's upper layer), and when even that fails (its parent is missing or not a
 * directory) the mount is skipped, as the image asked for no such directory.
 */
static bool mount_in_root(const char *source, const char *target, const char *type, unsigned long flags, const char *data)
{
	if (mount(source, target, type, flags, data) == 0)
		return true;
	if (errno != ENOENT)
		return false;
	if (mkdir(target, 0755) < 0)
		return true;
	return mount(source, target, type, flags, data) == 0;
}

/*
 * What needs neither the spec nor the disk, done before the agent asks for them: the mount points
 * in the agent's own root (the initramfs) and the writable layer. A VM saved as a template while
 * the agent waits for its spec (DESIGN.md "Containers") then holds this work already done.
 */
static void prepare_layer(void)
{
	if (mkdir(IMAGE_DIR, 0755) < 0 || mkdir(LAYER_DIR, 0755) < 0 || mkdir(ROOT_DIR, 0755) < 0)
		die("mkdir " IMAGE_DIR ", " LAYER_DIR " or " ROOT_DIR, strerrordesc_np(errno));
	/* overlayfs keeps whiteouts in the upper layer's trusted.* xattrs: a tmpfs has them. */
	if (mount("tmpfs", LAYER_DIR, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0
		|| mkdir(LAYER_DIR "/upper", 0755) < 0 || mkdir(LAYER_DIR "/work", 0755) < 0)
		die("mount the writable layer (tmpfs)", strerrordesc_np(errno));
}

/* Builds the container's root at ROOT_DIR; NULL, or what failed (errno says why). */
static const char *build_root(void)
{
	if (mount("/dev/vda", IMAGE_DIR, "ext4", MS_RDONLY, NULL) < 0)
		return "mount the image /dev/vda (ext4)";
	/* Documentation/filesystems/overlayfs.rst: the work directory is on the upper's file system. */
	if (mount("overlay", ROOT_DIR, "overlay", 0,
		    "lowerdir=" IMAGE_DIR ",upperdir=" LAYER_DIR "/upper,workdir=" LAYER_DIR "/work") < 0)
		return "mount the overlay";
	/* /proc is the command's to mount, from inside its pid namespace (run_command). */
	/* The VM's one devtmpfs: the devices are the VM's own, and the VM is the boundary. */
	if (!mount_in_root("devtmpfs", ROOT_DIR "/dev", "devtmpfs", MS_NOSUID | MS_NOEXEC, NULL))
		return "mount /dev";
	if (!mount_in_root("sysfs", ROOT_DIR "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		return "mount /sys";
	if (!mount_in_root("shm", ROOT_DIR "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"))
		return "mount /dev/shm";
	/* The container's own terminals (-t, and its programs' own): gid 5 is "tty", as in Docker's. */
	if (!mount_in_root("devpts", ROOT_DIR "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5"))
		return "mount /dev/pts";
	return NULL;
}

/*
 * The container's cgroup, with pids.max (Documentation/admin-guide/cgroup-v2.rst: a controller's
 * files exist in a child cgroup once the parent lists it in cgroup.subtree_control). Returns an
 * O_CLOEXEC descriptor of its cgroup.procs, where the command writes "0" to move itself in before
 * it runs; -1 and *failed on failure.
 */
static int make_cgroup(const char *pids_max, const char **failed)
{
	int procs = -1;
	if (mount("cgroup2", CGROUP_DIR, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		*failed = "mount cgroup2 on " CGROUP_DIR;
	else if (!write_file(CGROUP_DIR "/cgroup.subtree_control", "+pids"))
		*failed = "enable the pids controller";
	else if (mkdir(CONTAINER_CGROUP, 0755) < 0 || !write_file(CONTAINER_CGROUP "/pids.max", pids_max))
		*failed = "set pids.max";
	else if ((procs = open(CONTAINER_CGROUP "/cgroup.procs", O_WRONLY | O_CLOEXEC)) < 0)
		*failed = "open cgroup.procs";
	return procs;
}

/* Brings `lo` up (netdevice(7), SIOCSIFFLAGS); Linux then gives it 127.0.0.1/8 by itself. */
static bool loopback_up(void)
{
	struct ifreq request = { .ifr_name = "lo", .ifr_flags = IFF_UP };
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool up = sock >= 0 && ioctl(sock, SIOCSIFFLAGS, &request) == 0;
	close(sock);
	return up;
}

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

/* Set up by main() and inherited by the children that serve execs. */
static int cgroup_procs = -1; /* the container cgroup's cgroup.procs (O_CLOEXEC), or -1 */
static int container_pidfd = -1; /* a pidfd of the container's command (clone(2), CLONE_PIDFD): execs join its pid namespace */
static int signals = -1;      /* a signalfd(2) for SIGCHLD, which stays blocked in the agent */
static sigset_t command_mask; /* the mask the agent started with, which commands get back */

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

/* The bytes that follow a message's tag on control (agent_protocol.h); 0 for a tag out of turn. */
static int payload_size(int tag)
{
	return tag == VMLET_AGENT_MSG_KILL ? 1 : tag == VMLET_AGENT_MSG_WINDOW ? 4 : 0;
}

/* The end: wait for the host's 'A' (it has drained the streams) or its leaving, then exit. */
static _Noreturn void finish(int control, int status)
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

/*
 * Copies one chunk from `from` to `to` (sockets, or a terminal's master side, hence read(2));
 * the bytes moved, 0 at end of stream, -1 on error (EIO from a master whose terminal is closed).
 */
static ssize_t pump(int from, int to)
{
	char buffer[65536];
	ssize_t count = read(from, buffer, sizeof buffer);
	if (count > 0 && !put(to, buffer, (size_t)count))
		return -1;
	return count;
}

/*
 * A published port's connection, in a child of its own: a big-endian u16 TCP port, then both
 * directions copied until both ends are closed, each end's EOF passed on with shutdown(SHUT_WR).
 */
static _Noreturn void relay_port(int host)
{
	unsigned char port[2];
	int local = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in address = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (!read_exactly(host, port, sizeof port) || local < 0)
		_exit(1);
	address.sin_port = htons((uint16_t)(port[0] << 8 | port[1]));
	if (connect(local, (struct sockaddr *)&address, sizeof address) < 0)
		_exit(1);
	const int ends[2] = { host, local };
	struct pollfd fds[2] = { { host, POLLIN, 0 }, { local, POLLIN, 0 } };
	for (int open_directions = 2; open_directions > 0;) {
		if (poll(fds, 2, -1) < 0)
			_exit(1);
		for (int index = 0; index < 2; ++index) {
			if (fds[index].fd < 0 || !fds[index].revents)
				continue;
			ssize_t count = pump(ends[index], ends[1 - index]);
			if (count < 0)
				_exit(1);
			if (count == 0) {
				shutdown(ends[1 - index], SHUT_WR);
				fds[index].fd = -1; /* poll(2) skips negative descriptors: this direction is done */
				--open_directions;
			}
		}
	}
	_exit(0);
}

/* A listener on vsock `port` (vsock(7)), any CID; -1 on failure. */
static int vsock_listen(unsigned port)
{
	int sock = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_vm address = { .svm_family = AF_VSOCK, .svm_port = port, .svm_cid = VMADDR_CID_ANY };
	if (sock < 0 || bind(sock, (struct sockaddr *)&address, sizeof address) < 0 || listen(sock, 16) < 0)
		return -1;
	return sock;
}

/* The command's stdin, stdout and stderr, connected in the order agent_protocol.h gives; false on failure. */
static bool connect_streams(const struct spec *spec, int streams[3])
{
	unsigned port = (unsigned)spec->stream_port;
	if ((streams[1] = vsock_connect(port)) < 0 || (streams[2] = vsock_connect(port + 1)) < 0)
		return false;
	streams[0] = spec->attach_stdin ? vsock_connect(port + 2) : open("/dev/null", O_RDONLY | O_CLOEXEC);
	return streams[0] >= 0;
}

/*
 * A pseudo-terminal of the container's devpts (pts(4)) with the spec's size, owned by the
 * command's user as a login's terminal is: its master side in *master, its terminal side returned
 * (TIOCGPTPEER opens it with no path lookup); -1 on failure.
 */
static int open_terminal(const struct spec *spec, int *master)
{
	int unlock = 0, terminal = -1;
	*master = open(ROOT_DIR "/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*master < 0 || ioctl(*master, TIOCSPTLCK, &unlock) < 0 || ioctl(*master, TIOCSWINSZ, &spec->size) < 0
		|| (terminal = ioctl(*master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		return -1;
	if (spec->uid && fchown(terminal, spec->uid, (gid_t)-1) < 0)
		return -1;
	return terminal;
}

/* The host's input to a terminal, in a child of its own so that a full terminal never stalls the agent. */
static _Noreturn void relay_input(int from, int terminal)
{
	while (pump(from, terminal) > 0)
		;
	_exit(0);
}

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

/* Milliseconds on the monotonic clock: clock_gettime(2) from the vDSO, no system call. */
static long long now_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec * 1000LL + now.tv_nsec / 1000000;
}

/*
 * The terminal's output on its way to the host: a chunk read from the master side waits here
 * until the stdout stream takes it, sent without blocking (MSG_DONTWAIT), so that a host that
 * reads slowly never stops the agent from serving control, signals and connections. One
 * session per process (the agent, or an exec's child), so one buffer.
 */
static char terminal_output[65536];
static size_t output_start, output_end;

/* Reads what the terminal shows into the empty buffer; false once it is closed (EIO). */
static bool read_terminal(struct session *session)
{
	ssize_t count = read(session->master, terminal_output, sizeof terminal_output);
	if (count <= 0)
		return count < 0 && errno == EINTR;
	output_start = 0;
	output_end = (size_t)count;
	return true;
}

/* Sends what the stream takes now; a host that is gone loses the rest. */
static void send_terminal_output(struct session *session)
{
	ssize_t count = send(session->output, terminal_output + output_start, output_end - output_start, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (count > 0)
		output_start += (size_t)count;
	else if (count < 0 && errno != EAGAIN && errno != EINTR)
		output_start = output_end;
}

/*
 * The command has ended: copies what is left of its terminal's output and closes the stdout
 * stream, so the host sees its end. The master side reads EIO once no process holds the terminal
 * side; something the command left running on it gets 200 ms of quiet, and all of it 2 s at most.
 */
static void end_terminal(struct session *session)
{
	if (session->master < 0)
		return;
	long long deadline = now_ms() + 2000;
	for (long long left; (left = deadline - now_ms()) > 0;) {
		bool pending = output_start < output_end;
		if (!pending && !session->terminal_open)
			break;
		struct pollfd ready = { pending ? session->output : session->master, pending ? POLLOUT : POLLIN, 0 };
		if (poll(&ready, 1, (int)(pending || left < 200 ? left : 200)) <= 0)
			break;
		if (pending)
			send_terminal_output(session);
		else
			session->terminal_open = read_terminal(session);
	}
	close(session->output);
	close(session->master);
	session->master = session->output = -1;
}

/*
 * Starts the spec's command on the connected `streams`, unless `failed` says what part of the
 * setup went wrong (errno why); then reports 'S', or 'F' and ends. Returns the session to serve.
 */
static struct session launch(int control, const struct spec *spec, int streams[3], const char *failed, bool container)
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
		if (session->container)
			kill(-1, SIGKILL);
		else if (session->input_relay > 0)
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

static _Noreturn void serve_exec(int control);

/*
 * Serves a started command until it exits: the host's signals, the terminal's output, and for the
 * container's command the published ports' and the execs' connections.
 */
static _Noreturn void serve(struct session *session, int forward, int exec)
{
	struct pollfd fds[6] = {
		{ session->control, POLLIN, 0 }, { signals, POLLIN, 0 }, { -1, POLLIN, 0 },
		{ forward, POLLIN, 0 }, { exec, POLLIN, 0 }, { -1, POLLOUT, 0 },
	};
	for (;;) {
		/*
		 * The terminal's output alternates: read from the master side while the buffer is
		 * empty, then wait for the stream to take it (poll(2) skips negative descriptors).
		 */
		bool pending = output_start < output_end;
		fds[2].fd = session->terminal_open && !pending ? session->master : -1;
		fds[5].fd = pending ? session->output : -1;
		if (poll(fds, 6, -1) < 0) {
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
			accept_child(forward, relay_port);
		if (fds[4].revents)
			accept_child(exec, serve_exec);
	}
}

/* An exec's connection (agent_protocol.h, "Exec"), in a child of the agent. */
static _Noreturn void serve_exec(int control)
{
	inbox_start = inbox_end = 0; /* bytes the agent had from its own control are not this exec's */
	struct spec spec = { 0 };
	read_spec(control, true, &spec);
	int streams[3];
	if (!connect_streams(&spec, streams))
		die("connecting an exec's streams", strerrordesc_np(errno));
	/* setns(2): the command this process starts next is in the container's pid namespace. */
	const char *failed = setns(container_pidfd, CLONE_NEWPID) < 0 ? "join the container's pid namespace" : NULL;
	struct session session = launch(control, &spec, streams, failed, false);
	serve(&session, -1, -1);
}

int main(void)
{
	prepare_layer();
	int control = vsock_connect(VMLET_AGENT_PORT_CONTROL);
	if (control < 0)
		die("connecting to the host's control port", strerrordesc_np(errno));
	struct spec spec = { 0 };
	read_spec(control, false, &spec);
	int streams[3];
	if (!connect_streams(&spec, streams))
		die("connecting the standard streams", strerrordesc_np(errno));

	/* Setup failures go to the stderr stream, where the host shows them, and end in 'F' 125. */
	const char *failed = build_root();
	int forward = -1, exec = -1;
	if (!failed && spec.pids_max)
		cgroup_procs = make_cgroup(spec.pids_max, &failed);
	if (!failed && spec.loopback && (!loopback_up() || (forward = vsock_listen(VMLET_AGENT_PORT_FORWARD)) < 0))
		failed = "bring up lo and listen for published ports";
	if (!failed && (exec = vsock_listen(VMLET_AGENT_PORT_EXEC)) < 0)
		failed = "listen for exec";
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
	serve(&session, forward, exec);
}
