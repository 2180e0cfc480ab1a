/* `vmlet-probe facts`: what the workload sees of the machine it runs on. Read-only. */
#include "probe.h"

#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static void emit_number(const char *name, long value)
{
	char text[32];
	snprintf(text, sizeof text, "%ld", value);
	emit_fact(name, text);
}

/* Lines of `path` that start with `prefix` (all lines for ""); -1 when it cannot be read. */
static long count_lines(const char *path, const char *prefix)
{
	FILE *file = fopen(path, "re");
	if (!file)
		return -1;
	char line[4096];
	long count = 0;
	size_t prefix_length = strlen(prefix);
	int line_start = 1;
	while (fgets(line, sizeof line, file)) {
		if (line_start && strncmp(line, prefix, prefix_length) == 0)
			count++;
		line_start = strchr(line, '\n') != NULL; /* a longer line continues in the next read */
	}
	fclose(file);
	return count;
}

/* The CPUs this process may run on; /proc/cpuinfo's count too when it says otherwise (a cpuset
 * narrows the first, not the second). */
static void emit_cpus(void)
{
	cpu_set_t set;
	long affinity = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : -1;
	long listed = count_lines("/proc/cpuinfo", "processor");
	char text[64];
	if (affinity > 0 && listed > 0 && listed != affinity)
		snprintf(text, sizeof text, "%ld (/proc/cpuinfo: %ld)", affinity, listed);
	else
		snprintf(text, sizeof text, "%ld", affinity > 0 ? affinity : listed);
	emit_fact("cpus", text);
}

static void emit_memory(void)
{
	char total[64];
	if (status_field("/proc/meminfo", "MemTotal", total, sizeof total) == 0)
		emit_number("memory_mib", strtol(total, NULL, 10) / 1024);
	else
		emit_fact("memory_mib", "unknown");
}

static void emit_pid1(void)
{
	char comm[64];
	emit_fact("pid1", read_text("/proc/1/comm", comm, sizeof comm) >= 0 ? comm : "unknown");
}

static int visible_entry(const struct dirent *entry)
{
	return entry->d_name[0] != '.';
}

/* The names in /sys/class/net in order, or /proc/net/dev's where /sys is not mounted, comma
 * separated. */
static void emit_interfaces(void)
{
	char names[1024] = "";
	size_t used = 0;
	struct dirent **entries;
	int count = scandir("/sys/class/net", &entries, visible_entry, alphasort);
	for (int i = 0; i < count; i++) {
		if (used < sizeof names)
			used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", used ? "," : "", entries[i]->d_name);
		free(entries[i]);
	}
	if (count >= 0)
		free(entries);
	FILE *dev = count < 0 ? fopen("/proc/net/dev", "re") : NULL;
	char line[256];
	while (dev && fgets(line, sizeof line, dev)) {
		char *colon = strchr(line, ':');
		if (!colon || used >= sizeof names)
			continue; /* the two header lines */
		*colon = '\0';
		used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", used ? "," : "", line + strspn(line, " "));
	}
	if (dev)
		fclose(dev);
	emit_fact("interfaces", names);
}

static void emit_user(void)
{
	char text[48];
	snprintf(text, sizeof text, "%u:%u", (unsigned)getuid(), (unsigned)getgid());
	emit_fact("user", text);
}

static void emit_capabilities(void)
{
	char effective[32];
	emit_fact("capabilities", status_field("/proc/self/status", "CapEff", effective, sizeof effective) == 0 ? effective : "unknown");
}

int run_facts(const struct probe_options *options)
{
	(void)options;
	struct utsname names;
	uname(&names);
	emit_fact("kernel_release", names.release);
	emit_fact("kernel_version", names.version);
	emit_fact("hostname", names.nodename);
	emit_cpus();
	emit_memory();
	emit_pid1();
	emit_number("processes", count_processes());
	emit_interfaces();
	emit_number("mounts", count_lines("/proc/self/mounts", ""));
	emit_user();
	emit_capabilities();
	return 0;
}
