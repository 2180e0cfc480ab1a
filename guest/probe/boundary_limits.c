/* Boundary probes about the workload's limits: raising one, and running into the pids and memory
 * limits vmlet sets (--pids-limit, --memory). Each runs in children that it ends itself. */
#include "probe.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { FORK_BOMB_MAX = 2000, HOG_STEP_MIB = 16, HOG_MAX_MIB = 1024 };

static double now(void)
{
	struct timespec time;
	clock_gettime(CLOCK_MONOTONIC, &time);
	return (double)time.tv_sec + (double)time.tv_nsec / 1e9;
}

/* A limit with a finite hard value that may be raised by one: RLIMIT_NOFILE unless its hard value
 * is already fs.nr_open, the ceiling not even root passes; then the first other finite one. */
static int raisable_limit(struct rlimit *limit)
{
	char nr_open[32];
	long ceiling = read_text("/proc/sys/fs/nr_open", nr_open, sizeof nr_open) > 0 ? strtol(nr_open, NULL, 10) : 0;
	const int candidates[] = { RLIMIT_NOFILE, RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, RLIMIT_SIGPENDING, RLIMIT_NPROC };
	for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
		if (getrlimit(candidates[i], limit) < 0 || limit->rlim_max == RLIM_INFINITY)
			continue;
		if (candidates[i] == RLIMIT_NOFILE && (rlim_t)ceiling <= limit->rlim_max)
			continue;
		return candidates[i];
	}
	return -1;
}

static const char *limit_name(int resource)
{
	switch (resource) {
	case RLIMIT_NOFILE:
		return "RLIMIT_NOFILE";
	case RLIMIT_MEMLOCK:
		return "RLIMIT_MEMLOCK";
	case RLIMIT_MSGQUEUE:
		return "RLIMIT_MSGQUEUE";
	case RLIMIT_SIGPENDING:
		return "RLIMIT_SIGPENDING";
	}
	return "RLIMIT_NPROC";
}

/* Raise a hard limit by one (CAP_SYS_RESOURCE), in a child that exits at once: the probe's own
 * limits never change, so there is nothing to restore. */
void probe_raise_rlimit(const struct probe_options *options)
{
	(void)options;
	struct rlimit limit;
	int resource = raisable_limit(&limit);
	if (resource < 0) {
		emit_probe("raise_rlimit", NOT_APPLICABLE, "no limit has a finite hard value to raise");
		return;
	}
	pid_t child = fork();
	if (child == 0) {
		struct rlimit raised = { limit.rlim_max + 1, limit.rlim_max + 1 };
		_exit(setrlimit(resource, &raised) == 0 ? 0 : errno);
	}
	int status = 0;
	if (child < 0 || waitpid(child, &status, 0) < 0 || !WIFEXITED(status))
		emit_probe("raise_rlimit", NOT_APPLICABLE, "the child did not report: %s", strerror(errno));
	else if (WEXITSTATUS(status) == 0)
		emit_probe("raise_rlimit", ALLOWED, "raised the hard %s from %llu to %llu", limit_name(resource),
			(unsigned long long)limit.rlim_max, (unsigned long long)limit.rlim_max + 1);
	else
		emit_probe("raise_rlimit", refusal_outcome(WEXITSTATUS(status)), "setrlimit %s past its hard value %llu: %s", limit_name(resource),
			(unsigned long long)limit.rlim_max, strerror(WEXITSTATUS(status)));
}

/* Fork children that only wait until fork fails or FORK_BOMB_MAX exist, then kill them all. Only
 * under a pids limit (--pids-limit-known), which is what keeps the host unaffected; each child
 * also dies with the probe (PR_SET_PDEATHSIG). */
void probe_fork_bomb(const struct probe_options *options)
{
	if (!options->pids_limit_known) {
		emit_probe("fork_bomb", NOT_APPLICABLE, "needs a pids limit");
		return;
	}
	static pid_t children[FORK_BOMB_MAX];
	int count = 0, error = 0;
	pid_t parent = getpid();
	double start = now();
	while (count < FORK_BOMB_MAX) {
		pid_t child = fork();
		if (child == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == parent)
				pause();
			_exit(0);
		}
		if (child < 0) {
			error = errno;
			break;
		}
		children[count++] = child;
	}
	double elapsed_ms = (now() - start) * 1e3;
	for (int i = 0; i < count; i++)
		kill(children[i], SIGKILL);
	for (int i = 0; i < count; i++)
		waitpid(children[i], NULL, 0);
	if (error)
		emit_probe("fork_bomb", DENIED, "contained after %d processes in %.0f ms (fork: %s)", count, elapsed_ms, strerror(error));
	else
		emit_probe("fork_bomb", ALLOWED, "made %d processes in %.0f ms without being stopped", count, elapsed_ms);
}

/* The child of the memory hog: allocates and touches HOG_STEP_MIB at a time, up to HOG_MAX_MIB,
 * telling the parent through `report` how far it got after each step. It offers itself to the OOM
 * killer first (oom_score_adj 1000). Exits with the errno of a refused allocation. */
static void hog(int report)
{
	FILE *adjust = fopen("/proc/self/oom_score_adj", "we");
	if (adjust) {
		fputs("1000", adjust);
		fclose(adjust);
	}
	for (uint32_t mib = HOG_STEP_MIB; mib <= HOG_MAX_MIB; mib += HOG_STEP_MIB) {
		char *step = mmap(NULL, (size_t)HOG_STEP_MIB << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (step == MAP_FAILED)
			_exit(errno);
		for (size_t offset = 0; offset < (size_t)HOG_STEP_MIB << 20; offset += 4096)
			step[offset] = 1;
		if (write(report, &mib, sizeof mib) != sizeof mib)
			_exit(EPIPE);
	}
	_exit(0);
}

/* Allocate and touch memory in a child up to 1 GiB: who stops it, and where. Only under a memory
 * limit (--memory-limit-known), so that what gets killed is the container's (or the VM's). */
void probe_memory_hog(const struct probe_options *options)
{
	if (!options->memory_limit_known) {
		emit_probe("memory_hog", NOT_APPLICABLE, "needs a memory limit");
		return;
	}
	int report[2];
	if (pipe(report) < 0) {
		emit_probe("memory_hog", NOT_APPLICABLE, "pipe: %s", strerror(errno));
		return;
	}
	pid_t child = fork();
	if (child < 0) {
		emit_probe("memory_hog", NOT_APPLICABLE, "fork: %s", strerror(errno));
		close(report[0]);
		close(report[1]);
		return;
	}
	if (child == 0) {
		close(report[0]);
		hog(report[1]);
	}
	close(report[1]);
	uint32_t reached = 0, mib;
	while (read(report[0], &mib, sizeof mib) == sizeof mib)
		reached = mib;
	close(report[0]);
	int status = 0;
	if (waitpid(child, &status, 0) < 0)
		emit_probe("memory_hog", NOT_APPLICABLE, "waitpid: %s", strerror(errno));
	else if (WIFSIGNALED(status))
		emit_probe("memory_hog", DENIED, "the process was killed at %u MiB (signal %d)", reached + HOG_STEP_MIB, WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0)
		emit_probe("memory_hog", DENIED, "an allocation was refused at %u MiB (%s)", reached + HOG_STEP_MIB, strerror(WEXITSTATUS(status)));
	else
		emit_probe("memory_hog", ALLOWED, "touched %u MiB without being stopped", reached);
}
