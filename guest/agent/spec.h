/* The spec that starts a control connection (agent_protocol.h), read and decoded by spec.c. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/ioctl.h> /* struct winsize */
#include <netinet/in.h>
#include <sys/types.h>
#include <time.h>

#include "agent_protocol.h"

/* The spec, decoded. Strings point into the received buffer, which lives as long as the agent. */
/* One 'M' field, decoded. */
struct spec_mount {
	bool tmpfs;              /* 't'; else 's', an export of the volumes device */
	bool read_only;
	bool no_exec;            /* ACCESS's 'x' */
	bool no_suid;            /* ACCESS's 's' */
	unsigned long export_name; /* 's': the export's name, a number */
	unsigned long size;      /* 't': bytes, 0 for tmpfs's default */
	unsigned long mode;      /* 't' */
	const char *target;      /* absolute, plain */
};

struct spec {
	char **argv;          /* argc entries and a NULL */
	char **envp;          /* likewise */
	size_t argc, envc;
	const char *workdir;  /* absolute */
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	size_t group_count;
	const char *hostname; /* or NULL */
	const char *pids_max; /* decimal, or NULL */
	unsigned long stream_port; /* stdout; stderr and stdin follow */
	bool attach_stdin;
	bool loopback;
	bool terminal;
	struct winsize size;  /* of the terminal */
	bool has_time;        /* 'T': the host's wall-clock time */
	struct timespec time;
	bool has_entropy;     /* 'r': host randomness */
	unsigned char entropy[VMLET_AGENT_ENTROPY_BYTES];
	bool has_network;     /* 'N': eth0 on the host's bridge */
	unsigned char mac[6];
	struct in_addr address, netmask, gateway; /* network byte order */
	unsigned mtu;
	const char *etc_hosts;       /* 'H', or NULL */
	const char *etc_resolv_conf; /* 'R', or NULL */
	bool layer_on_disk;          /* 'L': the writable layer is /dev/vdb */
	bool has_bundle_root;        /* 'B': the root is this export of the volumes' device */
	unsigned long bundle_root;
	struct spec_mount *mounts;   /* 'M', in order */
	size_t mount_count;
};

void read_spec(int control, bool exec, struct spec *spec);
