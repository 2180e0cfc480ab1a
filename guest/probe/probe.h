/*
 * vmlet-probe: what a workload sees, how fast it runs and where its boundary is, measured from
 * inside a container (and on the host, the baseline) for `vmlet compare` (issue 14). Every result
 * is one JSON object on its own line of standard output; containers/lab/lab_results.h names them.
 */
#ifndef VMLET_PROBE_H
#define VMLET_PROBE_H

#include <stddef.h>

struct probe_options {
	const char *dir;           /* --dir: a writable directory for files, nodes and mount points */
	int pids_limit_known;      /* --pids-limit-known: a fork bomb would be contained */
	int memory_limit_known;    /* --memory-limit-known: a memory hog would be contained */
	int in_a_vm;               /* --i-am-in-a-vm */
	const char *host_kernel;   /* --host-kernel RELEASE: the host's, so sysrq can tell it apart */
	int port;                  /* --port PORT: where tcp-sink listens */
	unsigned long long bytes;  /* --bytes N: what tcp-sink waits for */
};

enum outcome { ALLOWED, DENIED, NOT_APPLICABLE };

/* The output lines (output.c). */
void emit_fact(const char *name, const char *value);
void emit_figure(const char *name, double value);
void emit_probe(const char *name, enum outcome outcome, const char *detail_format, ...)
	__attribute__((format(printf, 3, 4)));

/* Small reads of /proc and /sys (proc_files.c). */
int read_text(const char *path, char *buffer, size_t size); /* bytes read, trailing newline dropped; -1 and errno */
int status_field(const char *path, const char *key, char *value, size_t size); /* "Key:\tvalue" lines; 0 when found */
long count_processes(void); /* the /proc/<pid> directories this process sees */

/* The subcommands, each returning the process's exit status. */
int run_facts(const struct probe_options *options);
int run_speed(const struct probe_options *options);
int run_boundary(const struct probe_options *options);
int run_sysrq(const struct probe_options *options);
int run_tcp_sink(const struct probe_options *options);

/* The boundary probes, one function each, grouped by what they try to reach. */
void probe_host_processes(const struct probe_options *options);   /* boundary_view.c */
void probe_host_disk(const struct probe_options *options);
void probe_host_interfaces(const struct probe_options *options);
void probe_write_proc_sys(const struct probe_options *options);
void probe_kernel_log(const struct probe_options *options);       /* boundary_kernel.c */
void probe_proc_kcore(const struct probe_options *options);
void probe_load_module(const struct probe_options *options);
void probe_set_clock(const struct probe_options *options);
void probe_mount(const struct probe_options *options);
void probe_user_namespace(const struct probe_options *options);
void probe_keyctl(const struct probe_options *options);
void probe_bpf(const struct probe_options *options);
void probe_perf_event_open(const struct probe_options *options);
void probe_raise_rlimit(const struct probe_options *options);     /* boundary_limits.c */
void probe_fork_bomb(const struct probe_options *options);
void probe_memory_hog(const struct probe_options *options);

/* The outcome of a system call that failed with `error`: EPERM and EACCES are a refusal. */
enum outcome refusal_outcome(int error);

#endif
