/*
 * The container's mounts: the host's directories and volumes come over the one virtio-fs device
 * of every container VM (virtio 1.2 §5.11), tagged VMLET_AGENT_VOLUMES_TAG, whose root holds each
 * export by name; the agent mounts it once, outside the container's root, and binds each export on
 * its target. The host checks every access against its own files' permissions; read-only is
 * enforced there too, the remount here only tells the container early.
 */
#define _GNU_SOURCE
#include "volumes.h"

#include "agent_protocol.h"
#include "container_root.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#define VOLUMES_DIR "/volumes" /* in the agent's own root, out of the container's reach */

/* mkdir -p of `path` (absolute, plain parts: spec.c checked it) below ROOT_DIR. */
static bool make_mount_point(const char *target, char *path, size_t size)
{
	if ((size_t)snprintf(path, size, "%s%s", ROOT_DIR, target) >= size)
		return false;
	for (char *slash = path + strlen(ROOT_DIR) + 1; (slash = strchr(slash, '/')); ++slash) {
		*slash = '\0';
		bool made = mkdir(path, 0755) == 0 || errno == EEXIST;
		*slash = '/';
		if (!made)
			return false;
	}
	return mkdir(path, 0755) == 0 || errno == EEXIST;
}

/* The device, once: the bundle's root and the volumes both come from it. */
static const char *mount_volumes_device(void)
{
	static bool mounted;
	if (!mounted && ((mkdir(VOLUMES_DIR, 0700) < 0 && errno != EEXIST)
			   || mount(VMLET_AGENT_VOLUMES_TAG, VOLUMES_DIR, "virtiofs", MS_NOSUID | MS_NODEV, NULL) < 0))
		return "mount the volumes (virtio-fs " VMLET_AGENT_VOLUMES_TAG ")";
	mounted = true;
	return NULL;
}

/*
 * 'B': the export is the root, bound on ROOT_DIR where the image's overlay would be (a template's,
 * built on its blank image, is detached first), then what every root has mounted in it.
 */
const char *mount_bundle_root(const struct spec *spec, bool root_built)
{
	const char *failed = mount_volumes_device();
	if (failed)
		return failed;
	if (root_built && umount2(ROOT_DIR, MNT_DETACH) < 0)
		return "unmount the template's root";
	char source[64];
	snprintf(source, sizeof source, VOLUMES_DIR "/%lu", spec->bundle_root);
	if (mount(source, ROOT_DIR, NULL, MS_BIND, NULL) < 0 || mount(NULL, ROOT_DIR, NULL, MS_BIND | MS_REMOUNT | MS_NODEV, NULL) < 0)
		return "bind the bundle's root";
	return mount_root_filesystems();
}

const char *mount_volumes(const struct spec *spec)
{
	bool shares = false;
	for (size_t i = 0; i < spec->mount_count; ++i)
		shares |= !spec->mounts[i].tmpfs;
	const char *failed = shares ? mount_volumes_device() : NULL;
	if (failed)
		return failed;
	char target[PATH_MAX + sizeof ROOT_DIR], source[PATH_MAX], data[64];
	for (size_t i = 0; i < spec->mount_count; ++i) {
		const struct spec_mount *mount_spec = &spec->mounts[i];
		if (!make_mount_point(mount_spec->target, target, sizeof target))
			return "make a mount point";
		unsigned long flags = (mount_spec->read_only ? MS_RDONLY : 0) | (mount_spec->no_exec ? MS_NOEXEC : 0)
				      | (mount_spec->no_suid ? MS_NOSUID : 0);
		if (mount_spec->tmpfs) {
			int length = mount_spec->size ? snprintf(data, sizeof data, "mode=%lo,size=%lu", mount_spec->mode, mount_spec->size)
						      : snprintf(data, sizeof data, "mode=%lo", mount_spec->mode);
			if (length < 0 || (size_t)length >= sizeof data || mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | flags, data) < 0)
				return "mount a tmpfs";
			continue;
		}
		snprintf(source, sizeof source, VOLUMES_DIR "/%lu", mount_spec->export_name);
		if (mount(source, target, NULL, MS_BIND, NULL) < 0
			|| mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_NODEV | flags, NULL) < 0)
			return "bind a volume";
	}
	return NULL;
}
