/* `vmlet-probe speed`: how fast the workload runs, the same measurements in every isolation. Each
 * loop stops at a count or a time budget, whichever comes first, so that a guest whose kernel is
 * interpreted (a PVM host: about 0.3 ms a system call) still finishes in seconds; the figure is a
 * mean, so fewer rounds change its precision, not its meaning. */
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { FILE_MIB = 64, CHUNK = 1 << 20 };

static double now(void)
{
	struct timespec time;
	clock_gettime(CLOCK_MONOTONIC, &time);
	return (double)time.tv_sec + (double)time.tv_nsec / 1e9;
}

/* A system call round trip. syscall(2) and not getppid(3), which a libc may answer from a cache. */
static void measure_getppid(void)
{
	const long limit = 1000000;
	const double budget_s = 0.5;
	double start = now(), elapsed = 0;
	long calls = 0;
	while (calls < limit && elapsed < budget_s) {
		for (int i = 0; i < 1000; i++)
			syscall(SYS_getppid);
		calls += 1000;
		elapsed = now() - start;
	}
	emit_figure("getppid_ns", elapsed / (double)calls * 1e9);
}

/* fork, execve of this program doing nothing (`noop`), waitpid: the cost of starting a process.
 * Itself, through /proc/self/exe, because an image need not have /bin/true. */
static void measure_fork_exec(void)
{
	const int limit = 200;
	const double budget_s = 5;
	double start = now(), elapsed = 0;
	int rounds = 0;
	while (rounds < limit && elapsed < budget_s) {
		pid_t child = fork();
		if (child == 0) {
			execl("/proc/self/exe", "vmlet-probe", "noop", (char *)NULL);
			_exit(127);
		}
		int status = 0;
		if (child < 0 || waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "vmlet-probe: fork_exec: the child did not run: %s\n", strerror(errno));
			return;
		}
		rounds++;
		elapsed = now() - start;
	}
	emit_figure("fork_exec_us", elapsed / rounds * 1e6);
}

/* User code alone: 200 million steps of a linear congruential generator, which no compiler can
 * shorten since each step needs the last and the result is kept (the empty asm takes it as an
 * input). It should cost the same in every isolation. */
static void measure_cpu_loop(void)
{
	uint64_t state = 1;
	double start = now();
	for (long i = 0; i < 200000000; i++)
		state = state * 6364136223846793005u + 1442695040888963407u;
	__asm__ volatile("" : : "r"(state));
	emit_figure("cpu_loop_s", now() - start);
}

/* 64 MiB written sequentially in 1 MiB writes and fsync'd, then read back after the page cache
 * dropped it (POSIX_FADV_DONTNEED), in MB/s (10^6 bytes). The file is the probe's own, in --dir,
 * and removed. */
static void measure_file_io(const struct probe_options *options)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/vmlet-probe-io-%d", options->dir, (int)getpid());
	char *chunk = malloc(CHUNK);
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (!chunk || fd < 0) {
		fprintf(stderr, "vmlet-probe: %s: %s\n", path, strerror(errno));
		free(chunk);
		return;
	}
	memset(chunk, 0x5a, CHUNK);
	const double megabytes = (double)FILE_MIB * CHUNK / 1e6;
	int failed = 0;
	double start = now();
	for (int i = 0; i < FILE_MIB && !failed; i++)
		failed = write(fd, chunk, CHUNK) != CHUNK;
	failed = failed || fsync(fd) < 0;
	double written = now() - start;
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	start = now();
	for (int i = 0; i < FILE_MIB && !failed; i++)
		failed = pread(fd, chunk, CHUNK, (off_t)i * CHUNK) != CHUNK;
	double read_back = now() - start;
	if (failed)
		fprintf(stderr, "vmlet-probe: %s: %s\n", path, strerror(errno));
	else {
		emit_figure("write_64mib_mbs", megabytes / written);
		emit_figure("read_64mib_mbs", megabytes / read_back);
	}
	close(fd);
	unlink(path);
	free(chunk);
}

int run_speed(const struct probe_options *options)
{
	measure_getppid();
	measure_fork_exec();
	measure_cpu_loop();
	measure_file_io(options);
	return 0;
}
