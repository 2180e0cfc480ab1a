/*
 * vmlet's guest init (PID 1). It mounts the pseudo-filesystems, runs the command vmlet passed on
 * the kernel command line (or a shell), and reports the command's exit status to vmlet through an
 * I/O port before the machine goes down.
 *
 * Every system call here is interpreted guest kernel work on a PVM host (about 0.3 ms each, see
 * shared/ENVIRONMENT.md), so init makes as few as it can.
 *
 * Protocol with the VMM (vmm/vm/kernel_cmdline.cpp, devices/legacy/exit_port.h):
 *   argv[1..]  the command, each argument percent-encoded (%XX) so it survives the kernel's
 *              command-line parser; "%00" is an empty argument
 *   port 0xf5  written once when init starts: the boot timer's end mark
 *   port 0xf4  the exit status byte (QEMU's isa-debug-exit device is compatible)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

enum { EXIT_STATUS_PORT = 0xf4, INIT_REACHED_PORT = 0xf5 };

static int have_ports;
static volatile sig_atomic_t shutdown_requested;

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes %XX sequences in place; anything malformed is kept as it is. */
static void percent_decode(char *text)
{
	char *out = text;
	for (char *in = text; *in; ++in) {
		int high, low;
		if (in[0] == '%' && (high = hex_value(in[1])) >= 0 && (low = hex_value(in[2])) >= 0) {
			*out++ = (char)(high * 16 + low);
			in += 2;
		} else {
			*out++ = *in;
		}
	}
	*out = '\0';
}

/* busybox reboot, poweroff and halt signal PID 1: treat each as "the command finished with 0". */
static void on_shutdown_signal(int signal)
{
	(void)signal;
	shutdown_requested = 1;
}

static void finish(int status)
{
	sync();
	if (have_ports)
		outb((unsigned char)status, EXIT_STATUS_PORT);
	/* Without vmlet's exit port, reset: with reboot=k that reaches the VMM as an i8042 reset. */
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

static void run_command(char **command)
{
	execvp(command[0], command);
	/*
	 * The initramfs has no links for busybox's applets (scripts/build-guest.sh): a bare name found
	 * nowhere in PATH is busybox's to run, which exits 127 when it has no such applet either.
	 */
	if (errno == ENOENT && !strchr(command[0], '/'))
		execv("/bin/busybox", command);
	int status = errno == ENOENT ? 127 : 126;
	dprintf(STDERR_FILENO, "vmlet-init: %s: %s\n", command[0], strerror(errno));
	_exit(status);
}

int main(int argc, char **argv)
{
	static char *shell[] = { "/bin/sh", NULL };
	char **command = argc > 1 ? argv + 1 : shell;
	int interactive = argc <= 1;

	have_ports = ioperm(EXIT_STATUS_PORT, 2, 1) == 0;
	if (have_ports)
		outb(0, INIT_REACHED_PORT);

	mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, NULL);
	mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
	setenv("HOME", "/root", 1);
	setenv("TERM", "linux", 1);

	for (int index = 1; index < argc; ++index)
		percent_decode(argv[index]);

	struct sigaction action = { .sa_handler = on_shutdown_signal };
	sigaction(SIGTERM, &action, NULL);
	sigaction(SIGUSR1, &action, NULL);
	sigaction(SIGUSR2, &action, NULL);

	if (!interactive) {
		/* A command's output should reach vmlet's stdout byte for byte: no "\n" -> "\r\n". */
		struct termios console;
		if (tcgetattr(STDOUT_FILENO, &console) == 0) {
			console.c_oflag &= ~(tcflag_t)ONLCR;
			tcsetattr(STDOUT_FILENO, TCSANOW, &console);
		}
	}

	pid_t child = fork();
	if (child < 0) {
		dprintf(STDERR_FILENO, "vmlet-init: fork: %s\n", strerror(errno));
		finish(125);
	}
	if (child == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGUSR1, SIG_DFL);
		signal(SIGUSR2, SIG_DFL);
		if (interactive) {
			/* A session with the console as controlling terminal gives the shell job control. */
			setsid();
			ioctl(STDIN_FILENO, TIOCSCTTY, 1);
		}
		run_command(command);
	}

	/* Reap every orphan that lands on PID 1 until the command itself exits. */
	for (;;) {
		int status;
		pid_t pid = wait(&status);
		if (pid == child)
			finish(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		if (pid < 0 && errno == EINTR && shutdown_requested)
			finish(0);
		if (pid < 0 && errno == ECHILD)
			finish(125);
	}
}
