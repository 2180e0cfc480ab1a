/* The host's clock and randomness for a container's VM (host_state.h). */
#define _GNU_SOURCE
#include "host_state.h"

#include <fcntl.h>
#include <linux/random.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

bool adopt_host_state(const struct spec *spec)
{
	if (spec->has_time && clock_settime(CLOCK_REALTIME, &spec->time) < 0)
		return false;
	if (!spec->has_entropy)
		return true;
	/*
	 * random(4): RNDADDENTROPY mixes the bytes in and credits them (8 bits a byte: the host's
	 * getrandom(2)); RNDRESEEDCRNG then makes the generator draw on the pool at once, where it would
	 * otherwise reseed only minutes later: every clone of a template diverges before its first read.
	 */
	struct {
		struct rand_pool_info info;
		unsigned char bytes[VMLET_AGENT_ENTROPY_BYTES];
	} pool = { .info = { .entropy_count = 8 * VMLET_AGENT_ENTROPY_BYTES, .buf_size = VMLET_AGENT_ENTROPY_BYTES } };
	for (size_t i = 0; i < VMLET_AGENT_ENTROPY_BYTES; ++i)
		pool.bytes[i] = spec->entropy[i];
	int random = open("/dev/urandom", O_WRONLY | O_CLOEXEC);
	if (random < 0)
		return false;
	bool done = ioctl(random, RNDADDENTROPY, &pool.info) == 0 && ioctl(random, RNDRESEEDCRNG) == 0;
	close(random);
	return done;
}
