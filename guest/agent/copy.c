/*
 * `vmlet cp` in a VM container: the host decides what goes where (docker cp's rules) and reads or
 * writes the tar stream; here a file's kind is told, or the initramfs's busybox tar makes or
 * unpacks the stream. All of it in the container's root (chroot), so that the container's own
 * symlinks resolve there, as for its command.
 */
#define _GNU_SOURCE
#include "copy.h"

#include "agent_protocol.h"
#include "container_root.h"
#include "io.h"
#include "launch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* busybox tar, by descriptor: after chroot the agent's own root is out of sight (execveat(2)). */
static _Noreturn void run_tar(int busybox, char *const argv[])
{
	static char *const environment[] = { "PATH=/bin", NULL };
	sigprocmask(SIG_SETMASK, &command_mask, NULL);
	syscall(SYS_execveat, busybox, "", argv, environment, AT_EMPTY_PATH);
	_exit(STATUS_NOT_EXECUTABLE);
}

/* The kind of `path`: 'd' a directory, 'f' anything else, 'n' nothing there, 'e' an error. */
static char kind_of(const char *path, bool follow)
{
	struct stat status;
	if ((follow ? stat(path, &status) : lstat(path, &status)) == 0)
		return S_ISDIR(status.st_mode) ? 'd' : 'f';
	return errno == ENOENT || errno == ENOTDIR ? 'n' : 'e';
}

_Noreturn void serve_copy(int peer)
{
	static char request[2 * PATH_MAX + 4];
	unsigned char count_bytes[4];
	if (!read_exactly(peer, count_bytes, sizeof count_bytes))
		_exit(1);
	uint32_t count = (uint32_t)count_bytes[0] | (uint32_t)count_bytes[1] << 8 | (uint32_t)count_bytes[2] << 16 | (uint32_t)count_bytes[3] << 24;
	/* OP, then one or two NUL-terminated paths: anything else closes the connection. */
	if (count < 3 || count >= sizeof request || !read_exactly(peer, request, count) || request[count - 1] != '\0')
		_exit(1);
	request[count] = '\0';
	char op = request[0];
	char *path = request + 1, *name = path + strlen(path) + 1;
	bool two_paths = op == VMLET_AGENT_COPY_OUT;
	if (path[0] != '/' || (two_paths ? name >= request + count || name + strlen(name) + 1 != request + count : name != request + count))
		_exit(1);
	int busybox = open("/bin/busybox", O_PATH | O_CLOEXEC);
	if (busybox < 0 || chroot(ROOT_DIR) < 0 || chdir("/") < 0)
		_exit(1);
	char answer;
	switch (op) {
	case VMLET_AGENT_COPY_KIND:
	case VMLET_AGENT_COPY_LINK_KIND:
		answer = kind_of(path, op == VMLET_AGENT_COPY_KIND);
		send(peer, &answer, 1, MSG_NOSIGNAL);
		_exit(0);
	case VMLET_AGENT_COPY_OUT: {
		char *argv[] = { "tar", "-c", "-f", "-", "-C", path, name, NULL };
		if (dup2(peer, STDOUT_FILENO) < 0)
			_exit(1);
		run_tar(busybox, argv);
	}
	case VMLET_AGENT_COPY_IN: {
		char *argv[] = { "tar", "-x", "-f", "-", "-C", path, NULL };
		pid_t tar = fork();
		if (tar == 0) {
			if (dup2(peer, STDIN_FILENO) < 0)
				_exit(1);
			run_tar(busybox, argv);
		}
		int status = 0;
		while (tar > 0 && waitpid(tar, &status, 0) < 0 && errno == EINTR) { }
		answer = (char)(tar > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : STATUS_SETUP_FAILED);
		send(peer, &answer, 1, MSG_NOSIGNAL);
		_exit(0);
	}
	default:
		_exit(1);
	}
}
