#!/usr/bin/env bash
# Network benchmark: TCP throughput and round-trip time host-to-container and
# container-to-container on one vmlet network, for each isolation; and QEMU microvm with a tap on
# the same bridge, booting the same kernel and initramfs, as the reference for the VM path. Also
# host-to-container through -p (vsock for a VM container) against the bridge, which is what decides
# how -p reaches VM containers. Runs in a network namespace of its own: the bridge, taps and
# firewall table go with it, and the machine's own network is never touched.
#   scripts/bench/network.sh [RUNS] [MIB] [QEMU_MIB]   (QEMU_MIB: smaller transfers to the reference, default MIB)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "network bench: needs root (network namespaces, bridges, taps)" >&2; exit 1; }
[ -w /dev/kvm ] || { echo "network bench: /dev/kvm is not available on this host; nothing to measure" >&2; exit 1; }
datadir=${VMLET_DATADIR:-/usr/local/share/vmlet}
exec unshare --net -- sh -c 'ip link set lo up && exec "$@"' sh python3 "$here/network_measure.py" \
  --vmlet "${VMLET:-$(command -v vmlet)}" --runs "${1:-3}" --mib "${2:-64}" --reference-mib "${3:-0}" \
  --kernel "${KERNEL:-$datadir/vmlinux}" --initrd "${INITRD:-$datadir/initramfs.cpio}"
