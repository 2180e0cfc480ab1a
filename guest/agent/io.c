/* The I/O the agent's parts share (io.h). */
#define _GNU_SOURCE
#include "io.h"

#include <errno.h>
#include <linux/vm_sockets.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

/* say() (io.h): the parts, 511 bytes of them at most, and a newline. */
void say_parts(int fd, const char *const *parts, size_t count)
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
_Noreturn void die(const char *what, const char *detail)
{
	say(STDERR_FILENO, "vmlet-agent: ", what, ": ", detail);
	_exit(STATUS_SETUP_FAILED);
}

/* Reads exactly `size` bytes; false at end of stream or on an error. */
bool read_exactly(int fd, void *buffer, size_t size)
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
 * Copies one chunk from `from` to `to` (sockets, or a terminal's master side, hence read(2));
 * the bytes moved, 0 at end of stream, -1 on error (EIO from a master whose terminal is closed).
 */
ssize_t pump(int from, int to)
{
	char buffer[65536];
	ssize_t count = read(from, buffer, sizeof buffer);
	if (count > 0 && !put(to, buffer, (size_t)count))
		return -1;
	return count;
}

/* One stream connection to the host on `port` (vsock(7)); -1 and errno on failure. */
int vsock_connect(unsigned port)
{
	int sock = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_vm address = { .svm_family = AF_VSOCK, .svm_port = port, .svm_cid = VMADDR_CID_HOST };
	if (sock < 0 || connect(sock, (struct sockaddr *)&address, sizeof address) < 0)
		return -1;
	return sock;
}

/* A listener on vsock `port` (vsock(7)), any CID; -1 on failure. */
int vsock_listen(unsigned port)
{
	int sock = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_vm address = { .svm_family = AF_VSOCK, .svm_port = port, .svm_cid = VMADDR_CID_ANY };
	if (sock < 0 || bind(sock, (struct sockaddr *)&address, sizeof address) < 0 || listen(sock, 16) < 0)
		return -1;
	return sock;
}
