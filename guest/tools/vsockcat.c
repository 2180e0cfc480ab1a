/*
 * vsockcat: a netcat for AF_VSOCK stream sockets, in the guest's initramfs so that programs and
 * tests in the guest can reach vmlet's vsock device (virtio 1.2 §5.10) without a distribution.
 *
 *   vsockcat connect PORT [CID]   connect to CID (default 2, the host) on PORT
 *   vsockcat listen PORT          accept one connection on PORT from any CID
 *
 * Then standard input goes to the socket (end of input shuts the socket's sending side down) and
 * what the socket receives goes to standard output, until the peer ends the stream. Exit status:
 * 0, or 1 with a one-line message on standard error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/vm_sockets.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(const char *what)
{
    fprintf(stderr, "vsockcat: %s: %s\n", what, strerror(errno));
    return 1;
}

static int usage(void)
{
    fputs("usage: vsockcat connect PORT [CID] | vsockcat listen PORT\n", stderr);
    return 2;
}

/* Copies one chunk from `from` to `to`; returns the bytes moved, 0 at end of stream, -1 on error. */
static ssize_t pump(int from, int to)
{
    char buffer[65536];
    ssize_t count = read(from, buffer, sizeof buffer);
    for (ssize_t done = 0; count > 0 && done < count;) {
        ssize_t written = write(to, buffer + done, (size_t)(count - done));
        if (written < 0)
            return -1;
        done += written;
    }
    return count;
}

static int relay(int sock)
{
    struct pollfd fds[2] = { { STDIN_FILENO, POLLIN, 0 }, { sock, POLLIN, 0 } };
    for (;;) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return fail("poll");
        }
        if (fds[0].revents) {
            ssize_t count = pump(STDIN_FILENO, sock);
            if (count < 0)
                return fail("send");
            if (count == 0) {
                shutdown(sock, SHUT_WR);
                fds[0].fd = -1; /* poll ignores it from now on */
            }
        }
        if (fds[1].revents) {
            ssize_t count = pump(sock, STDOUT_FILENO);
            if (count < 0)
                return fail("receive");
            if (count == 0)
                return 0;
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    char *end;
    unsigned long port = strtoul(argv[2], &end, 10);
    if (*end || port > 0xffffffffUL)
        return usage();
    int sock = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        return fail("socket");
    struct sockaddr_vm address = { .svm_family = AF_VSOCK, .svm_port = (unsigned)port, .svm_cid = VMADDR_CID_HOST };
    if (strcmp(argv[1], "connect") == 0 && argc <= 4) {
        if (argc == 4)
            address.svm_cid = (unsigned)strtoul(argv[3], NULL, 10);
        if (connect(sock, (struct sockaddr *)&address, sizeof address) < 0)
            return fail("connect");
        return relay(sock);
    }
    if (strcmp(argv[1], "listen") == 0 && argc == 3) {
        address.svm_cid = VMADDR_CID_ANY;
        if (bind(sock, (struct sockaddr *)&address, sizeof address) < 0 || listen(sock, 1) < 0)
            return fail("listen");
        int peer = accept4(sock, NULL, NULL, SOCK_CLOEXEC);
        if (peer < 0)
            return fail("accept");
        close(sock);
        return relay(peer);
    }
    return usage();
}
