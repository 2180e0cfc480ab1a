/* Boundary probes that ask the kernel the workload runs on for what only its administrator may
 * have: its log, its memory, a module, the clock, mounts, namespaces, keys, BPF, perf. Each call
 * is one that does nothing even where it is allowed. */
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

enum { SYSLOG_ACTION_READ_ALL = 3 };

/* The outcome of a call that failed with `error` where ENOSYS means the kernel has no such thing. */
static void emit_failure(const char *probe, const char *call, int error)
{
	if (error == ENOSYS)
		emit_probe(probe, NOT_APPLICABLE, "%s: this kernel does not have it (%s)", call, strerror(error));
	else
		emit_probe(probe, refusal_outcome(error), "%s: %s", call, strerror(error));
}

/* Read the kernel's log ring (SYSLOG_ACTION_READ_ALL leaves it as it was for other readers). */
void probe_kernel_log(const struct probe_options *options)
{
	(void)options;
	char log[4096];
	int length = klogctl(SYSLOG_ACTION_READ_ALL, log, sizeof log);
	if (length < 0)
		emit_failure("kernel_log", "syslog(READ_ALL)", errno);
	else
		emit_probe("kernel_log", ALLOWED, "read %d bytes of the kernel's log", length);
}

/* Read one byte of /proc/kcore, the kernel's memory as an ELF core file. A masked one (a bind
 * mount of /dev/null, as Docker does) opens but reads empty. */
void probe_proc_kcore(const struct probe_options *options)
{
	(void)options;
	int fd = open("/proc/kcore", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int error = errno;
		emit_probe("proc_kcore", error == ENOENT ? NOT_APPLICABLE : DENIED, "open /proc/kcore: %s", strerror(error));
		return;
	}
	char byte;
	ssize_t length = read(fd, &byte, 1);
	int error = errno;
	close(fd);
	if (length == 1)
		emit_probe("proc_kcore", ALLOWED, "read the first byte of /proc/kcore");
	else if (length == 0)
		emit_probe("proc_kcore", DENIED, "/proc/kcore reads empty (masked)");
	else
		emit_probe("proc_kcore", DENIED, "read /proc/kcore: %s", strerror(error));
}

/* init_module with an empty image: the permission check comes first (EPERM), then the image's,
 * which no module of zero bytes passes (ENOEXEC). Nothing can be loaded. */
void probe_load_module(const struct probe_options *options)
{
	(void)options;
	static char empty[1];
	if (syscall(SYS_init_module, empty, 0ul, "") == 0) {
		emit_probe("load_module", ALLOWED, "init_module loaded an empty module");
		return;
	}
	int error = errno;
	if (error == ENOEXEC || error == EINVAL || error == EFAULT)
		emit_probe("load_module", ALLOWED, "init_module was permitted; the empty module was refused (%s)", strerror(error));
	else
		emit_failure("load_module", "init_module", error);
}

/* settimeofday(NULL, NULL) checks CAP_SYS_TIME (and passes a seccomp filter or not) like any
 * setting of the clock, then has nothing to set: the clock is never touched. */
void probe_set_clock(const struct probe_options *options)
{
	(void)options;
	if (syscall(SYS_settimeofday, NULL, NULL) == 0)
		emit_probe("set_clock", ALLOWED, "settimeofday was permitted (given no new time, so the clock did not change)");
	else
		emit_failure("set_clock", "settimeofday", errno);
}

/* Mount a 1 MiB tmpfs on a fresh directory in --dir and unmount it at once. */
void probe_mount(const struct probe_options *options)
{
	char point[4096];
	snprintf(point, sizeof point, "%s/vmlet-probe-mount-XXXXXX", options->dir);
	if (!mkdtemp(point)) {
		emit_probe("mount", NOT_APPLICABLE, "mkdtemp in %s: %s", options->dir, strerror(errno));
		return;
	}
	if (mount("vmlet-probe", point, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=1m") == 0) {
		umount2(point, MNT_DETACH);
		emit_probe("mount", ALLOWED, "mounted a tmpfs (and unmounted it)");
	} else
		emit_failure("mount", "mount tmpfs", errno);
	rmdir(point);
}

/* Create a user namespace, in a child that exits at once, so the probe itself stays where it was. */
void probe_user_namespace(const struct probe_options *options)
{
	(void)options;
	pid_t child = fork();
	if (child == 0)
		_exit(unshare(CLONE_NEWUSER) == 0 ? 0 : errno);
	int status = 0;
	if (child < 0 || waitpid(child, &status, 0) < 0 || !WIFEXITED(status)) {
		emit_probe("user_namespace", NOT_APPLICABLE, "the child did not report: %s", strerror(errno));
		return;
	}
	if (WEXITSTATUS(status) == 0)
		emit_probe("user_namespace", ALLOWED, "unshare(CLONE_NEWUSER) succeeded");
	else
		emit_failure("user_namespace", "unshare(CLONE_NEWUSER)", WEXITSTATUS(status));
}

/* Ask for the session keyring's id without creating one: the kernel's key store is not namespaced. */
void probe_keyctl(const struct probe_options *options)
{
	(void)options;
	long id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
	if (id >= 0)
		emit_probe("keyctl", ALLOWED, "the session keyring is %ld", id);
	else
		emit_failure("keyctl", "keyctl(GET_KEYRING_ID)", errno);
}

/* Load a BPF program of no instructions: refused as such (EINVAL, E2BIG) where the call is
 * permitted, with EPERM where it is not. Nothing is loaded either way. */
void probe_bpf(const struct probe_options *options)
{
	(void)options;
	union bpf_attr attributes;
	memset(&attributes, 0, sizeof attributes);
	attributes.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attributes.license = (uint64_t)(uintptr_t) "GPL";
	long fd = syscall(SYS_bpf, BPF_PROG_LOAD, &attributes, sizeof attributes);
	int error = errno;
	if (fd >= 0) {
		close((int)fd);
		emit_probe("bpf", ALLOWED, "bpf(PROG_LOAD) loaded an empty program");
	} else if (error == EINVAL || error == E2BIG)
		emit_probe("bpf", ALLOWED, "bpf(PROG_LOAD) was permitted; the empty program was refused (%s)", strerror(error));
	else
		emit_failure("bpf", "bpf(PROG_LOAD)", error);
}

/* Open a software counter of this process's own CPU time, user mode only, and close it. */
void probe_perf_event_open(const struct probe_options *options)
{
	(void)options;
	struct perf_event_attr attributes;
	memset(&attributes, 0, sizeof attributes);
	attributes.size = sizeof attributes;
	attributes.type = PERF_TYPE_SOFTWARE;
	attributes.config = PERF_COUNT_SW_TASK_CLOCK;
	attributes.disabled = 1;
	attributes.exclude_kernel = 1;
	attributes.exclude_hv = 1;
	long fd = syscall(SYS_perf_event_open, &attributes, 0, -1, -1, 0ul);
	if (fd >= 0) {
		close((int)fd);
		emit_probe("perf_event_open", ALLOWED, "opened a task-clock counter on itself");
	} else if (errno == ENOENT || errno == ENODEV)
		emit_probe("perf_event_open", NOT_APPLICABLE, "perf_event_open: this kernel has no such counter (%s)", strerror(errno));
	else
		emit_failure("perf_event_open", "perf_event_open", errno);
}
