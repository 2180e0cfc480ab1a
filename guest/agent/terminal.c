/*
 * A command's terminal ('t' in agent_protocol.h): a pseudo-terminal of the container's devpts, the
 * host's input copied to it and its output copied to the stdout stream.
 */
#define _GNU_SOURCE
#include "terminal.h"

#include "container_root.h"
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 * A pseudo-terminal of the container's devpts (pts(4)) with the spec's size, owned by the
 * command's user as a login's terminal is: its master side in *master, its terminal side returned
 * (TIOCGPTPEER opens it with no path lookup); -1 on failure.
 */
int open_terminal(const struct spec *spec, int *master)
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
_Noreturn void relay_input(int from, int terminal)
{
	while (pump(from, terminal) > 0)
		;
	_exit(0);
}

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

/* Whether a chunk waits for the stdout stream: then the master side is not read. */
bool terminal_output_pending(void)
{
	return output_start < output_end;
}

/* Reads what the terminal shows into the empty buffer; false once it is closed (EIO). */
bool read_terminal(struct session *session)
{
	ssize_t count = read(session->master, terminal_output, sizeof terminal_output);
	if (count <= 0)
		return count < 0 && errno == EINTR;
	output_start = 0;
	output_end = (size_t)count;
	return true;
}

/* Sends what the stream takes now; a host that is gone loses the rest. */
void send_terminal_output(struct session *session)
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
void end_terminal(struct session *session)
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
