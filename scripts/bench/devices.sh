#!/usr/bin/env bash
# Device benchmark: vmlet's virtio-blk and virtio-net against QEMU microvm's, measured inside the
# same guest (same kernel, initramfs and command line, 1 vCPU, 256 MiB), interleaved over several
# boots, medians printed with ratio lines (see devices_measure.py):
#   block sequential read and write, 4 KiB random reads, guest-to-host TCP throughput.
#   scripts/bench/devices.sh [RUNS]
# Environment: VMLET, KERNEL, INITRD, SIZE_MIB (image and transfer, default 32), RAND_READS
# (default 200), NESTED_TIMEOUT (default 1500).
# Without /dev/kvm it runs itself inside scripts/nested-kvm.sh (KVM in a QEMU TCG VM: slow, so the
# absolute numbers say little; the ratios say more). Needs root: it creates a network namespace
# with a tap in it (host side 10.0.2.1/24, guest 10.0.2.2), removed on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
datadir=${VMLET_DATADIR:-/usr/local/share/vmlet}
runs=${1:-3}
if [ -x "$repo/build/vmlet" ]; then default_vmlet=$repo/build/vmlet; else default_vmlet=$(command -v vmlet || true); fi
vmlet=${VMLET:-$default_vmlet}
kernel=${KERNEL:-$datadir/vmlinux}
initrd=${INITRD:-$datadir/initramfs.cpio}

if [ ! -w /dev/kvm ]; then
  if [ -n "${DEVICES_BENCH_NESTED:-}" ]; then
    echo "devices bench: no /dev/kvm even inside the nested VM" >&2
    exit 1
  fi
  echo "devices bench: /dev/kvm is not available; running inside scripts/nested-kvm.sh (slow)" >&2
  q() { printf '%q' "$1"; }
  exec "$repo/scripts/nested-kvm.sh" -t "${NESTED_TIMEOUT:-1500}" -- \
    "DEVICES_BENCH_NESTED=1 VMLET=$(q "$vmlet") KERNEL=$(q "$kernel") INITRD=$(q "$initrd")" \
    "SIZE_MIB=${SIZE_MIB:-32} RAND_READS=${RAND_READS:-200} $(q "$here/devices.sh") $runs"
fi

netns=vmlet-bench-$$
tap=vmbtap0
workdir=$(mktemp -d "${TMPDIR:-/tmp}/vmlet-devices.XXXXXX")
mounted=0
cleanup() {
  ip netns del "$netns" 2>/dev/null || true
  [ $mounted -eq 1 ] && umount "$workdir" 2>/dev/null || true
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Inside nested-kvm.sh the host's root is virtio-9p without caching: disk images there would
# measure 9p, not the VMMs. Put them in memory (both VMMs use the host page cache anyway).
if [ "$(stat -f -c %T "$workdir")" = v9fs ]; then
  mount -t tmpfs -o size=256m tmpfs "$workdir"
  mounted=1
fi

ip netns add "$netns"
ip -n "$netns" link set lo up
ip -n "$netns" tuntap add dev "$tap" mode tap
ip -n "$netns" addr add 10.0.2.1/24 dev "$tap"
ip -n "$netns" link set "$tap" up

python3 "$here/devices_measure.py" --vmlet "$vmlet" --kernel "$kernel" --initrd "$initrd" \
  --workdir "$workdir" --netns "$netns" --tap "$tap" --runs "$runs" \
  --size "${SIZE_MIB:-32}" --rand-reads "${RAND_READS:-200}"
