/*
 * The container's root: the image (/dev/vda) under an overlay whose upper layer is a tmpfs, or the
 * container's own disk (/dev/vdb) when its files outlive the VM, the file systems mounted in it,
 * and its cgroup.
 */
#define _GNU_SOURCE
#include "container_root.h"

#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* Writes `text` to the file `path` (cgroup and sysfs knobs); false and errno on failure. */
static bool write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool written = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	int saved = errno;
	close(fd);
	errno = saved;
	return written;
}

/*
 * Mounts inside the container's root. The image may lack the mount point: then it is created
 * (in the overlay's upper layer), and when even that fails (its parent is missing or not a
 * directory) the mount is skipped, as the image asked for no such directory.
 */
bool mount_in_root(const char *source, const char *target, const char *type, unsigned long flags, const char *data)
{
	if (mount(source, target, type, flags, data) == 0)
		return true;
	if (errno != ENOENT)
		return false;
	if (mkdir(target, 0755) < 0)
		return true;
	return mount(source, target, type, flags, data) == 0;
}

/*
 * What needs neither the spec nor the disk, done before the agent asks for them: the mount points
 * in the agent's own root (the initramfs) and the writable layer. A VM saved as a template while
 * the agent waits for its spec (DESIGN.md "Containers") then holds this work already done.
 */
void prepare_layer(void)
{
	if (mkdir(IMAGE_DIR, 0755) < 0 || mkdir(LAYER_DIR, 0755) < 0 || mkdir(ROOT_DIR, 0755) < 0)
		die("mkdir " IMAGE_DIR ", " LAYER_DIR " or " ROOT_DIR, strerrordesc_np(errno));
	/* overlayfs keeps whiteouts in the upper layer's trusted.* xattrs: a tmpfs has them. */
	if (mount("tmpfs", LAYER_DIR, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0
		|| mkdir(LAYER_DIR "/upper", 0755) < 0 || mkdir(LAYER_DIR "/work", 0755) < 0)
		die("mount the writable layer (tmpfs)", strerrordesc_np(errno));
}

/*
 * The overlay at ROOT_DIR of the image (at IMAGE_DIR) under the writable layer whose upper/ and
 * work/ are in `layer`, and the file systems the command finds in it; NULL, or what failed.
 */
static const char *mount_root(const char *layer)
{
	char options[128];
	/* Documentation/filesystems/overlayfs.rst: the work directory is on the upper's file system. */
	snprintf(options, sizeof options, "lowerdir=" IMAGE_DIR ",upperdir=%s/upper,workdir=%s/work", layer, layer);
	if (mount("overlay", ROOT_DIR, "overlay", 0, options) < 0)
		return "mount the overlay";
	return mount_root_filesystems();
}

/* What every container root has mounted in it, on ROOT_DIR; NULL, or what failed. */
const char *mount_root_filesystems(void)
{
	/* /proc is the command's to mount, from inside its pid namespace (run_command). */
	/* The VM's one devtmpfs: the devices are the VM's own, and the VM is the boundary. */
	if (!mount_in_root("devtmpfs", ROOT_DIR "/dev", "devtmpfs", MS_NOSUID | MS_NOEXEC, NULL))
		return "mount /dev";
	if (!mount_in_root("sysfs", ROOT_DIR "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		return "mount /sys";
	if (!mount_in_root("shm", ROOT_DIR "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"))
		return "mount /dev/shm";
	/* The container's own terminals (-t, and its programs' own): gid 5 is "tty", as in Docker's. */
	if (!mount_in_root("devpts", ROOT_DIR "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5"))
		return "mount /dev/pts";
	return NULL;
}

/* Builds the container's root at ROOT_DIR with the writable layer in `layer`; NULL, or what failed (errno says why). */
const char *build_root(const char *layer)
{
	if (mount("/dev/vda", IMAGE_DIR, "ext4", MS_RDONLY, NULL) < 0)
		return "mount the image /dev/vda (ext4)";
	return mount_root(layer);
}

/*
 * 'L': the writable layer is the container's own disk, which the host formatted (ext4) when the
 * container was created and gives every VM of the container, so that its files outlive each run
 * (`vmlet start` after `stop`). A template's root, already built on the tmpfs, is built again on
 * the disk. NULL, or what failed.
 */
const char *move_layer_to_disk(bool root_built)
{
	/*
	 * A template's VM was booted with a blank disk in this place, whose first blocks the kernel's
	 * partition scan read into the block device's cache; the restore gave the VM this container's
	 * disk: those cached blocks are not its own (BLKFLSBUF drops them; sys/mount.h has it).
	 */
	int disk = open(LAYER_DISK, O_RDONLY | O_CLOEXEC);
	if (disk < 0 || ioctl(disk, BLKFLSBUF, 0) < 0) {
		int saved = errno;
		if (disk >= 0)
			close(disk);
		errno = saved;
		return "open the writable layer's disk " LAYER_DISK;
	}
	close(disk);
	/* noinit_itable: mkfs left the inode tables unzeroed, which the kernel would otherwise zero in the background. */
	if ((mkdir(LAYER_DISK_DIR, 0755) < 0 && errno != EEXIST)
		|| mount(LAYER_DISK, LAYER_DISK_DIR, "ext4", MS_NOSUID | MS_NODEV, "noinit_itable") < 0)
		return "mount the writable layer's disk " LAYER_DISK " (ext4)";
	if ((mkdir(LAYER_DISK_DIR "/upper", 0755) < 0 && errno != EEXIST) || (mkdir(LAYER_DISK_DIR "/work", 0755) < 0 && errno != EEXIST))
		return "make the writable layer's directories";
	if (!root_built)
		return build_root(LAYER_DISK_DIR);
	/* The template's overlay and what is mounted in it go; the image stays mounted, its cache warm. */
	if (umount2(ROOT_DIR, MNT_DETACH) < 0)
		return "unmount the template's root";
	return mount_root(LAYER_DISK_DIR);
}

/*
 * The container's cgroup, with pids.max (Documentation/admin-guide/cgroup-v2.rst: a controller's
 * files exist in a child cgroup once the parent lists it in cgroup.subtree_control). Returns an
 * O_CLOEXEC descriptor of its cgroup.procs, where the command writes "0" to move itself in before
 * it runs; -1 and *failed on failure.
 */
int make_cgroup(const char *pids_max, const char **failed)
{
	int procs = -1;
	if (mount("cgroup2", CGROUP_DIR, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		*failed = "mount cgroup2 on " CGROUP_DIR;
	else if (!write_file(CGROUP_DIR "/cgroup.subtree_control", "+pids"))
		*failed = "enable the pids controller";
	else if (mkdir(CONTAINER_CGROUP, 0755) < 0 || !write_file(CONTAINER_CGROUP "/pids.max", pids_max))
		*failed = "set pids.max";
	else if ((procs = open(CONTAINER_CGROUP "/cgroup.procs", O_WRONLY | O_CLOEXEC)) < 0)
		*failed = "open cgroup.procs";
	return procs;
}
