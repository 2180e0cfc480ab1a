/* The container's root and cgroup, which container_root.c builds in the agent's own root. */
#pragma once

#include <stdbool.h>

/* Where the agent builds the container's root, in its own root (the initramfs). */
#define IMAGE_DIR "/image"         /* /dev/vda, read-only */
#define LAYER_DIR "/layer"         /* the tmpfs holding the overlay's upper and work directories */
#define LAYER_DISK "/dev/vdb"      /* a container's own writable layer, kept between its runs ('L') */
#define LAYER_DISK_DIR "/layer-disk" /* where that disk's ext4 is mounted, with upper/ and work/ */
#define ROOT_DIR "/container"      /* the overlay: the command's root */
#define CGROUP_DIR "/sys/fs/cgroup" /* cgroup2, outside the command's root */
#define CONTAINER_CGROUP CGROUP_DIR "/container"

void prepare_layer(void);
const char *build_root(const char *layer);
const char *move_layer_to_disk(bool root_built);
const char *mount_root_filesystems(void);
int make_cgroup(const char *pids_max, const char **failed);
bool mount_in_root(const char *source, const char *target, const char *type, unsigned long flags, const char *data);
