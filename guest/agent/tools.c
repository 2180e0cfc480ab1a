/*
 * `vmlet cp` and `vmlet top` in a VM container. For cp the host decides what goes where (docker
 * cp's rules) and reads or writes the tar stream; here a file's kind is told, or the initramfs's
 * busybox tar makes or unpacks the stream. For top, the container's processes' /proc files go to
 * the host as they are, which reads them as it reads a process container's. All of it in the
 * container's root (chroot), so that the container's own symlinks resolve there, as for its
 * command, and /proc is its pid namespace's.
 */
#define _GNU_SOURCE
#include "tools.h"

#include "agent_protocol.h"
#include "container_root.h"
#include "io.h"
#include "launch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Sends all of `size` bytes; false when the host is gone. */
static bool send_all(int peer, const void *bytes, size_t size)
{
	for (size_t done = 0; done < size;) {
		ssize_t sent = send(peer, (const char *)bytes + done, size - done, MSG_NOSIGNAL);
		if (sent < 0 && errno == EINTR)
			continue;
		if (sent <= 0)
			return false;
		done += (size_t)sent;
	}
	return true;
}

/* A little-endian u32, then that many bytes of the file at `path` (at most VMLET_AGENT_MAX_PROC_FILE; none when it is gone). */
static bool send_file(int peer, const char *path)
{
	static char buffer[VMLET_AGENT_MAX_PROC_FILE];
	size_t size = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	for (ssize_t got = 1; fd >= 0 && got > 0 && size < sizeof buffer; size += got > 0 ? (size_t)got : 0)
		got = read(fd, buffer + size, sizeof buffer - size);
	if (fd >= 0)
		close(fd);
	unsigned char count[4] = { (unsigned char)size, (unsigned char)(size >> 8), (unsigned char)(size >> 16), (unsigned char)(size >> 24) };
	return send_all(peer, count, sizeof count) && send_all(peer, buffer, size);
}

/* 'p': /proc/uptime, then each process's pid (u32) and its stat, status and cmdline. */
static _Noreturn void send_processes(int peer)
{
	DIR *proc = opendir("/proc");
	if (!proc || !send_file(peer, "/proc/uptime"))
		_exit(1);
	char path[64];
	for (struct dirent *entry; (entry = readdir(proc));) {
		char *end;
		unsigned long pid = strtoul(entry->d_name, &end, 10);
		if (*end != '\0' || pid == 0)
			continue;
		unsigned char id[4] = { (unsigned char)pid, (unsigned char)(pid >> 8), (unsigned char)(pid >> 16), (unsigned char)(pid >> 24) };
		if (!send_all(peer, id, sizeof id))
			_exit(1);
		for (const char *const *file = (const char *const[]){ "stat", "status", "cmdline", NULL }; *file; ++file) {
			snprintf(path, sizeof path, "/proc/%lu/%s", pid, *file);
			if (!send_file(peer, path))
				_exit(1);
		}
	}
	_exit(0);
}

_Noreturn void serve_tools(int peer)
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
	bool two_paths = op == VMLET_AGENT_TOOL_TAR_OUT;
	if (path[0] != '/' || (two_paths ? name >= request + count || name + strlen(name) + 1 != request + count : name != request + count))
		_exit(1);
	int busybox = open("/bin/busybox", O_PATH | O_CLOEXEC);
	if (busybox < 0 || chroot(ROOT_DIR) < 0 || chdir("/") < 0)
		_exit(1);
	char answer;
	switch (op) {
	case VMLET_AGENT_TOOL_KIND:
	case VMLET_AGENT_TOOL_LINK_KIND:
		answer = kind_of(path, op == VMLET_AGENT_TOOL_KIND);
		send(peer, &answer, 1, MSG_NOSIGNAL);
		_exit(0);
	case VMLET_AGENT_TOOL_PROCESSES:
		send_processes(peer);
	case VMLET_AGENT_TOOL_TAR_OUT: {
		/* "--": a name that starts with '-' is a name. */
		char *argv[] = { "tar", "-c", "-f", "-", "-C", path, "--", name, NULL };
		if (dup2(peer, STDOUT_FILENO) < 0)
			_exit(1);
		run_tar(busybox, argv);
	}
	case VMLET_AGENT_TOOL_TAR_IN: {
		/* -o: the files are the container's root's, as docker cp's are the caller's, not the host user's ids. */
		char *argv[] = { "tar", "-x", "-o", "-f", "-", "-C", path, NULL };
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
