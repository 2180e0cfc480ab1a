/* `vmlet-probe tcp-sink --port PORT --bytes N`: the container's end of the lab's TCP throughput
 * figure, which the host reaches through `-p` (or directly, on the host itself). It takes one
 * connection, says "r" so the sender knows the path into the container is open end to end (a
 * published port's listener on the host accepts before the container's server is there), reads N
 * bytes, answers how many arrived as a decimal line, and exits only once the sender has closed:
 * a container that ended as soon as it answered could take its published port's forwarder, and
 * the answer with it, down before the answer reached the host. It gives up after kLifetime
 * seconds, so it never outlives a lab run that went wrong. */
#include "probe.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { FAILED = 1, kLifetime = 600 };

int run_tcp_sink(const struct probe_options *options)
{
	if (options->port <= 0 || options->port > 65535 || options->bytes == 0) {
		fprintf(stderr, "vmlet-probe: tcp-sink needs --port 1-65535 and --bytes N\n");
		return FAILED;
	}
	alarm(kLifetime);
	int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int yes = 1;
	struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((uint16_t)options->port),
		.sin_addr.s_addr = htonl(INADDR_ANY) };
	if (listener < 0 || setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes) < 0 ||
	    bind(listener, (struct sockaddr *)&address, sizeof address) < 0 || listen(listener, 1) < 0) {
		perror("vmlet-probe: tcp-sink: listen");
		return FAILED;
	}
	int connection = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
	if (connection < 0 || write(connection, "r", 1) != 1) {
		perror("vmlet-probe: tcp-sink: accept");
		return FAILED;
	}
	static char buffer[1 << 20];
	unsigned long long received = 0;
	for (ssize_t length; received < options->bytes && (length = read(connection, buffer, sizeof buffer)) != 0;
	     received += (unsigned long long)length) {
		if (length < 0) {
			perror("vmlet-probe: tcp-sink: read");
			return FAILED;
		}
	}
	char answer[32];
	int said = snprintf(answer, sizeof answer, "%llu\n", received);
	if (write(connection, answer, (size_t)said) != said) {
		perror("vmlet-probe: tcp-sink: write");
		return FAILED;
	}
	while (read(connection, buffer, sizeof buffer) > 0)
		;
	close(connection);
	close(listener);
	return 0;
}
