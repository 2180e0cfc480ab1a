/* vmlet-probe SUBCOMMAND [OPTIONS]: the lab's probe (probe.h). Static, so it runs in any image and
 * in a VM's guest alike; `vmlet compare` puts it into the lab image and reads its lines. */
#include "probe.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: vmlet-probe facts|speed|boundary|sysrq|tcp-sink [--dir DIR] [--pids-limit-known] [--memory-limit-known]\n"
	"                   [--i-am-in-a-vm --host-kernel RELEASE] [--port PORT --bytes N]\n"
	"Prints one JSON object a line: facts (what the workload sees), speed (figures), boundary (probes),\n"
	"sysrq (crashes this kernel: only with both --i-am-in-a-vm and a --host-kernel that is not this one),\n"
	"tcp-sink (takes one TCP connection on --port, reads --bytes and answers how many arrived).\n";

enum { USAGE = 2 };

static int parse_options(int argc, char **argv, struct probe_options *options)
{
	static const struct option known[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "pids-limit-known", no_argument, NULL, 'p' },
		{ "memory-limit-known", no_argument, NULL, 'm' },
		{ "i-am-in-a-vm", no_argument, NULL, 'v' },
		{ "host-kernel", required_argument, NULL, 'k' },
		{ "port", required_argument, NULL, 'P' },
		{ "bytes", required_argument, NULL, 'b' },
		{ 0 },
	};
	for (int option; (option = getopt_long(argc, argv, "", known, NULL)) != -1;) {
		switch (option) {
		case 'd':
			options->dir = optarg;
			break;
		case 'p':
			options->pids_limit_known = 1;
			break;
		case 'm':
			options->memory_limit_known = 1;
			break;
		case 'v':
			options->in_a_vm = 1;
			break;
		case 'k':
			options->host_kernel = optarg;
			break;
		case 'P':
			options->port = atoi(optarg);
			break;
		case 'b':
			options->bytes = strtoull(optarg, NULL, 10);
			break;
		default:
			return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

int main(int argc, char **argv)
{
	/* `noop` is what speed's fork_exec runs: a process that starts and ends, nothing else. */
	if (argc == 2 && strcmp(argv[1], "noop") == 0)
		return 0;
	static const struct {
		const char *name;
		int (*run)(const struct probe_options *);
	} subcommands[] = {
		{ "facts", run_facts },
		{ "speed", run_speed },
		{ "boundary", run_boundary },
		{ "sysrq", run_sysrq },
		{ "tcp-sink", run_tcp_sink },
	};
	struct probe_options options = { .dir = "/tmp" };
	for (size_t i = 0; argc >= 2 && i < sizeof subcommands / sizeof subcommands[0]; i++) {
		if (strcmp(argv[1], subcommands[i].name) != 0)
			continue;
		if (parse_options(argc - 1, argv + 1, &options) < 0)
			break;
		return subcommands[i].run(&options);
	}
	fputs(usage, stderr);
	return USAGE;
}
