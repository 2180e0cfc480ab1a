/* `vmlet-probe boundary`: every boundary probe, in the order issue 14 lists them, one line each.
 * The sysrq crash is not among them: it ends the machine it runs on, so it is a subcommand of its
 * own (sysrq.c) that the orchestrator calls on its own, in a VM only. */
#include "probe.h"

#include <errno.h>

enum outcome refusal_outcome(int error)
{
	return error == EPERM || error == EACCES ? DENIED : NOT_APPLICABLE;
}

int run_boundary(const struct probe_options *options)
{
	void (*const probes[])(const struct probe_options *) = {
		probe_host_processes, probe_kernel_log, probe_proc_kcore, probe_host_disk, probe_load_module,
		probe_set_clock, probe_mount, probe_user_namespace, probe_keyctl, probe_bpf,
		probe_perf_event_open, probe_raise_rlimit, probe_host_interfaces, probe_write_proc_sys,
		probe_fork_bomb, probe_memory_hog,
	};
	for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
		probes[i](options);
	return 0;
}
