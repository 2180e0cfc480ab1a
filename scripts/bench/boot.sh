#!/usr/bin/env bash
# Boot benchmark: vmlet against QEMU's microvm with the same kernel, initramfs and command line,
# interleaved over several runs, medians printed with ratio lines (see boot_measure.py).
#   scripts/bench/boot.sh [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
datadir=${VMLET_DATADIR:-/usr/local/share/vmlet}
if [ ! -w /dev/kvm ]; then
  echo "boot bench: /dev/kvm is not available on this host; nothing to measure" >&2
  exit 1
fi
exec python3 "$here/boot_measure.py" \
  --vmlet "${VMLET:-$(command -v vmlet)}" \
  --kernel "${KERNEL:-$datadir/vmlinux}" \
  --initrd "${INITRD:-$datadir/initramfs.cpio}" \
  --runs "${1:-5}"
