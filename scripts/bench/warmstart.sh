#!/usr/bin/env bash
# Template benchmark: a VM container restored from its image's template against one booted cold,
# against process isolation and against QEMU microvm cold-booting the same kernel and initramfs,
# interleaved in one run (medians and ratios); then the host memory (PSS summed over the process
# trees) of COUNT running containers restored from one template against COUNT booted cold, and
# against one cold VM container. See warmstart_measure.py.
#   scripts/bench/warmstart.sh [RUNS] [COUNT]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "warmstart bench: needs root (namespaces, overlayfs, cgroups)" >&2; exit 1; }
[ -w /dev/kvm ] || { echo "warmstart bench: /dev/kvm is not available on this host (run it in scripts/nested-kvm.sh)" >&2; exit 1; }
datadir=${VMLET_DATADIR:-/usr/local/share/vmlet}
exec python3 "$here/warmstart_measure.py" --vmlet "${VMLET:-$(command -v vmlet)}" --runs "${1:-5}" --count "${2:-10}" \
  --kernel "${KERNEL:-$datadir/vmlinux}" --initrd "${INITRD:-$datadir/initramfs.cpio}"
