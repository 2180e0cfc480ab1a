#!/usr/bin/env bash
# Shared-directory benchmark: vmlet's virtio-fs (`vmlet boot --share`, its in-process FUSE server)
# against QEMU microvm with virtiofsd (vhost-user-fs-device, guest RAM in a shared memfd), measured
# inside the same guest (same kernel, initramfs and command line, 1 vCPU, 256 MiB), interleaved over
# several boots, and a process-isolated container's volume beside them (a bind mount), medians
# printed with ratio lines (see fs_measure.py):
#   sequential write and read of a 64 MiB file, and create, stat and read of 1,000 small files.
#   scripts/bench/fs.sh [RUNS]
# Environment: VMLET, KERNEL, INITRD, SIZE_MIB (default 64), FILES (default 1000), VIRTIOFSD
# (default /usr/lib/qemu/virtiofsd). Needs root (virtiofsd, and the guest's root user writes the
# share) and /dev/kvm.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
datadir=${VMLET_DATADIR:-/usr/local/share/vmlet}
[ "$(id -u)" -eq 0 ] || { echo "fs bench: needs root (virtiofsd)" >&2; exit 1; }
[ -w /dev/kvm ] || { echo "fs bench: /dev/kvm is not available on this host; nothing to measure" >&2; exit 1; }
if [ -x "$repo/build/vmlet" ]; then default_vmlet=$repo/build/vmlet; else default_vmlet=$(command -v vmlet || true); fi
workdir=$(mktemp -d "${TMPDIR:-/var/tmp}/vmlet-fs-bench.XXXXXX")
trap 'rm -rf "$workdir"' EXIT
trap 'exit 130' INT TERM
python3 "$here/fs_measure.py" --vmlet "${VMLET:-$default_vmlet}" --kernel "${KERNEL:-$datadir/vmlinux}" \
  --initrd "${INITRD:-$datadir/initramfs.cpio}" --virtiofsd "${VIRTIOFSD:-/usr/lib/qemu/virtiofsd}" \
  --workdir "$workdir" --runs "${1:-3}" --size "${SIZE_MIB:-64}" --files "${FILES:-1000}"
