#!/usr/bin/env bash
# Container benchmark: `vmlet run --rm IMAGE true` in each isolation, start to exit (medians over
# interleaved rounds) and their ratio, and the host memory one running container costs in each
# (PSS of the container's whole process tree on the host: monitor, VM or namespaced processes).
# The image is made here from busybox-static, loaded into a scratch store (see containers_measure.py);
# QEMU microvm booting the same kernel and initramfs to `true` is the reference for the VM start.
#   scripts/bench/containers.sh [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "containers bench: needs root (namespaces, overlayfs, cgroups)" >&2; exit 1; }
datadir=${VMLET_DATADIR:-/usr/local/share/vmlet}
exec python3 "$here/containers_measure.py" --vmlet "${VMLET:-$(command -v vmlet)}" --runs "${1:-5}" \
  --kernel "${KERNEL:-$datadir/vmlinux}" --initrd "${INITRD:-$datadir/initramfs.cpio}"
