/* Published ports (agent_protocol.h, "Published ports"): the loopback interface, and the relays. */
#define _GNU_SOURCE
#include "published_ports.h"

#include "io.h"

#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* Brings `lo` up (netdevice(7), SIOCSIFFLAGS); Linux then gives it 127.0.0.1/8 by itself. */
bool loopback_up(void)
{
	struct ifreq request = { .ifr_name = "lo", .ifr_flags = IFF_UP };
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool up = sock >= 0 && ioctl(sock, SIOCSIFFLAGS, &request) == 0;
	close(sock);
	return up;
}

/*
 * A published port's connection, in a child of its own: a big-endian u16 TCP port, then both
 * directions copied until both ends are closed, each end's EOF passed on with shutdown(SHUT_WR).
 */
_Noreturn void relay_port(int host)
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
