/* Boundary probes about what the workload can see and reach of the machine: its processes, its
 * disk, its network interfaces, its settings in /proc/sys. */
#include "probe.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* The inode of the kernel's first pid namespace (include/linux/proc_ns.h, PROC_PID_INIT_INO), a
 * constant of every Linux kernel. */
enum { INITIAL_PID_NAMESPACE = 0xEFFFFFFCu };

/* Whether the workload sees the processes of everyone else on its kernel: it does exactly when it
 * is in the kernel's first pid namespace, since a pid namespace shows only its own descendants.
 * (In a VM that kernel is the guest's, which the facts tell apart.) Reads /proc only. */
void probe_host_processes(const struct probe_options *options)
{
	(void)options;
	struct stat namespace;
	char pid1[64];
	if (read_text("/proc/1/comm", pid1, sizeof pid1) < 0)
		snprintf(pid1, sizeof pid1, "unknown");
	if (stat("/proc/self/ns/pid", &namespace) < 0) {
		emit_probe("host_processes", NOT_APPLICABLE, "/proc/self/ns/pid: %s", strerror(errno));
		return;
	}
	long count = count_processes();
	if (namespace.st_ino == INITIAL_PID_NAMESPACE)
		emit_probe("host_processes", ALLOWED, "in the kernel's first pid namespace: all %ld processes visible, pid 1 is %s", count, pid1);
	else
		emit_probe("host_processes", DENIED, "in a pid namespace of its own: %ld processes visible, pid 1 is %s", count, pid1);
}

/* The first device /proc/partitions lists that is not a loop or RAM device (a disk comes before its
 * partitions), as NAME and its device number; 0 when found. */
static int first_disk(char *name, size_t size, dev_t *device)
{
	FILE *partitions = fopen("/proc/partitions", "re");
	if (!partitions)
		return -1;
	char line[256], candidate[64];
	unsigned major_number, minor_number;
	int found = -1;
	while (found < 0 && fgets(line, sizeof line, partitions)) {
		if (sscanf(line, " %u %u %*u %63s", &major_number, &minor_number, candidate) != 3)
			continue;
		if (strncmp(candidate, "loop", 4) == 0 || strncmp(candidate, "ram", 3) == 0)
			continue;
		snprintf(name, size, "%s", candidate);
		*device = makedev(major_number, minor_number);
		found = 0;
	}
	fclose(partitions);
	return found;
}

/* Make a device node of the machine's first disk in --dir and read its first sector: the way out
 * of a container that the device cgroup and nodev mounts are there to stop. Read-only (O_RDONLY);
 * the node is removed whatever happens. */
void probe_host_disk(const struct probe_options *options)
{
	char name[64], node[4096];
	dev_t device;
	if (first_disk(name, sizeof name, &device) < 0) {
		emit_probe("host_disk", NOT_APPLICABLE, "/proc/partitions lists no disk");
		return;
	}
	snprintf(node, sizeof node, "%s/vmlet-probe-disk-%d", options->dir, (int)getpid());
	if (mknod(node, S_IFBLK | 0400, device) < 0) {
		int error = errno;
		emit_probe("host_disk", refusal_outcome(error), "mknod %s (%u:%u): %s", name, major(device),
			minor(device), strerror(error));
		return;
	}
	int fd = open(node, O_RDONLY | O_CLOEXEC);
	int error = errno;
	unlink(node);
	if (fd < 0) {
		emit_probe("host_disk", DENIED, "open a node of %s (%u:%u): %s", name, major(device), minor(device), strerror(error));
		return;
	}
	char sector[512];
	ssize_t length = read(fd, sector, sizeof sector);
	error = errno;
	close(fd);
	if (length == (ssize_t)sizeof sector)
		emit_probe("host_disk", ALLOWED, "read the first sector of %s (%u:%u)", name, major(device), minor(device));
	else
		emit_probe("host_disk", DENIED, "read %s (%u:%u): %s", name, major(device), minor(device), length < 0 ? strerror(error) : "short read");
}

/* The network interfaces other than lo that the workload sees. It only lists /sys/class/net: the
 * names tell the reader whether they are the host's (compare with the host's facts). */
void probe_host_interfaces(const struct probe_options *options)
{
	(void)options;
	DIR *net = opendir("/sys/class/net");
	if (!net) {
		emit_probe("host_interfaces", NOT_APPLICABLE, "/sys/class/net: %s", strerror(errno));
		return;
	}
	char names[512] = "";
	size_t used = 0;
	for (struct dirent *entry; (entry = readdir(net));)
		if (entry->d_name[0] != '.' && strcmp(entry->d_name, "lo") != 0 && used < sizeof names)
			used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", used ? "," : "", entry->d_name);
	closedir(net);
	if (used)
		emit_probe("host_interfaces", ALLOWED, "sees %s", names);
	else
		emit_probe("host_interfaces", DENIED, "sees only lo");
}

/* Write to /proc/sys: the hostname, written back unchanged, so even where it is allowed nothing
 * changes (and the hostname is the UTS namespace's, a container's own). */
void probe_write_proc_sys(const struct probe_options *options)
{
	(void)options;
	const char *path = "/proc/sys/kernel/hostname";
	char hostname[128];
	int length = read_text(path, hostname, sizeof hostname);
	if (length < 0) {
		emit_probe("write_proc_sys", NOT_APPLICABLE, "read %s: %s", path, strerror(errno));
		return;
	}
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		int error = errno;
		emit_probe("write_proc_sys", error == EROFS ? DENIED : refusal_outcome(error), "open %s for writing: %s", path, strerror(error));
		return;
	}
	ssize_t written = write(fd, hostname, (size_t)length);
	int error = errno;
	close(fd);
	if (written == length)
		emit_probe("write_proc_sys", ALLOWED, "wrote %s (its own value back)", path);
	else
		emit_probe("write_proc_sys", error == EROFS ? DENIED : refusal_outcome(error), "write %s: %s", path, strerror(error));
}
