/* `vmlet-probe sysrq`: crash the kernel the workload sees (`echo c > /proc/sysrq-trigger`), to
 * show that in a VM the VM ends and the host does not. It refuses, before trying anything, unless
 * it is told it is in a VM (--i-am-in-a-vm) AND its kernel is not the host's (--host-kernel, which
 * the orchestrator reads on the host): two guards, so that the host's kernel is never the one
 * crashed, whoever calls it and wherever. */
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

enum { REFUSED = 2 };

static void emit_refusal(const char *call, int error)
{
	emit_probe("sysrq_crash", error == EROFS ? DENIED : refusal_outcome(error), "%s /proc/sysrq-trigger: %s", call, strerror(error));
}

int run_sysrq(const struct probe_options *options)
{
	struct utsname names;
	if (!options->in_a_vm || !options->host_kernel) {
		fprintf(stderr, "vmlet-probe: sysrq refused: it runs only with --i-am-in-a-vm and --host-kernel RELEASE\n");
		return REFUSED;
	}
	if (uname(&names) < 0 || strcmp(names.release, options->host_kernel) == 0) {
		fprintf(stderr, "vmlet-probe: sysrq refused: this kernel is the host's (%s)\n", options->host_kernel);
		return REFUSED;
	}
	int fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		emit_refusal("open", errno);
		return 0;
	}
	/* Said before it happens: if it works, nothing after the write is printed. If the write is
	 * refused, a second line for the probe follows, and the reader keeps the last. */
	emit_probe("sysrq_crash", ALLOWED, "writing c to /proc/sysrq-trigger of kernel %s", names.release);
	sync();
	if (write(fd, "c", 1) != 1)
		emit_refusal("write", errno);
	close(fd);
	return 0;
}
