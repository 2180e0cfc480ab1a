#!/usr/bin/env bash
# Runs a command where /dev/kvm exists, on a host that has none (such as a PVM guest, whose
# kvm_pvm module will not bind): a QEMU TCG virtual machine with an emulated AMD SVM CPU runs
# Debian's kernel with kvm_amd, mounts this host's root over virtio-9p and runs the command in it,
# in the same directory. The KVM inside is real KVM, only slow (everything is emulated).
#   scripts/nested-kvm.sh [--build] [-t SECONDS] -- COMMAND...
# --build only prepares the VM image (cached under $VMLET_CACHE_DIR). Exit status: the command's,
# 124 on timeout, 75 when the VM's kernel stalled (see below; running again is the remedy).
# VMLET_NESTED_LOGLEVEL=7 shows the VM kernel's messages (stalls, soft lockups) in the console
# file, whose name is printed on stderr.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${VMLET_CACHE_DIR:-/var/cache/vmlet}/nested-kvm
timeout=1800
build_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build_only=1; shift ;;
    -t) timeout=$2; shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done

# Kernel modules to load, in dependency order (modules.dep of Debian's 6.1 kernel): virtio and 9p
# for the host's files, KVM, taps, overlayfs, and bridges, veths and nftables for vmlet's networks;
# tc's ingress, u32 and mirred for vmlet-runtime's VMs on podman's networks, and the xtables
# matches of podman's CNI plugins (iptables-nft).
modules=(drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_legacy_dev
  drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci fs/netfs/netfs fs/fscache/fscache
  net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p virt/lib/irqbypass drivers/crypto/ccp/ccp
  arch/x86/kvm/kvm arch/x86/kvm/kvm-amd drivers/net/tun fs/overlayfs/overlay
  net/llc/llc net/802/stp net/bridge/bridge drivers/net/veth net/netfilter/nfnetlink crypto/crc32c_generic lib/libcrc32c
  net/netfilter/nf_tables net/ipv4/netfilter/nf_defrag_ipv4 net/ipv6/netfilter/nf_defrag_ipv6
  net/netfilter/nf_conntrack net/netfilter/nf_nat net/netfilter/nft_chain_nat net/netfilter/nft_masq
  net/netfilter/nft_ct
  net/sched/sch_ingress net/sched/cls_u32 net/sched/act_mirred
  net/netfilter/x_tables net/netfilter/nft_compat net/netfilter/xt_comment net/netfilter/xt_mark net/netfilter/xt_addrtype
  net/netfilter/xt_multiport net/netfilter/xt_tcpudp net/netfilter/xt_conntrack net/netfilter/xt_nat net/netfilter/xt_MASQUERADE)

kernel_package() {
  apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-[0-9].*\)/\1/p' | head -1
}

build_image() {
  local package work
  package=$(kernel_package)
  if [ -z "$package" ]; then
    apt-get update -qq >/dev/null 2>&1 || true  # a fresh machine may have no package lists yet
    package=$(kernel_package)
  fi
  [ -n "$package" ] || { echo "nested-kvm: cannot find Debian's kernel package" >&2; exit 1; }
  local version=${package#linux-image-}
  local image=$cache/$version
  if [ -f "$image/initrd.cpio" ] && [ -f "$image/vmlinuz" ] && cmp -s "$repo/scripts/nested-kvm/init.sh" "$image/init.sh" \
    && [ "$(cat "$image/modules" 2>/dev/null)" = "${modules[*]}" ]; then
    echo "$image"; return
  fi
  work=$(mktemp -d "${TMPDIR:-/var/tmp}/vmlet-nested.XXXXXX")
  trap 'rm -rf "$work"' RETURN
  (cd "$work" && apt-get download -q "$package" >/dev/null 2>&1) || { echo "nested-kvm: cannot download $package" >&2; exit 1; }
  dpkg-deb -x "$work"/linux-image-*.deb "$work/package"
  local root=$work/initrd
  mkdir -p "$root"/{bin,proc,sys,dev,host,lib/modules}
  cp /bin/busybox "$root/bin/busybox"
  for applet in sh mount insmod cat sed base64 chroot echo poweroff sleep; do ln -s busybox "$root/bin/$applet"; done
  for module in "${modules[@]}"; do
    cp "$work/package/lib/modules/$version/kernel/$module.ko" "$root/lib/modules/"
    basename "$module" >> "$root/lib/modules/order"
  done
  install -m 0755 "$repo/scripts/nested-kvm/init.sh" "$root/init"
  mkdir -p "$image"
  python3 "$repo/scripts/make_cpio.py" "$root" "$image/initrd.cpio" --device /dev/console:c:5:1:0600
  cp "$work"/package/boot/vmlinuz-* "$image/vmlinuz"
  cp "$repo/scripts/nested-kvm/init.sh" "$image/init.sh"
  echo "${modules[*]}" > "$image/modules"
  echo "$image"
}

image=$(build_image)
[ $build_only -eq 1 ] && { echo "nested-kvm: image ready in $image"; exit 0; }
[ $# -gt 0 ] || { echo "usage: $0 [--build] [-t SECONDS] -- COMMAND..." >&2; exit 2; }

output=$(mktemp)
[ -n "${VMLET_NESTED_LOGLEVEL:-}" ] && echo "nested-kvm: console in $output" >&2
stalled=$output.stalled
trap 'rm -f "$output" "$stalled" "$output.monitor"' EXIT
timeout "$timeout" qemu-system-x86_64 -accel tcg,thread=multi -cpu EPYC,+svm -smp "${VMLET_NESTED_CPUS:-2}" -m 4096 \
  -nographic -no-reboot -kernel "$image/vmlinuz" -initrd "$image/initrd.cpio" \
  -append "console=ttyS0 nokaslr quiet loglevel=${VMLET_NESTED_LOGLEVEL:-1} nested.cmd=$(printf '%s' "$*" | base64 -w0) nested.cwd=$(pwd | base64 -w0)" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=passthrough,multidevs=remap \
  -monitor unix:"$output.monitor",server=on,wait=off \
  </dev/null >"$output" 2>/dev/null &
qemu=$!
# Under TCG the VM's own kernel can stop making progress for good (seen: both CPUs looping on an
# int3 in live-patched kernel text, which init.sh now avoids; see there). Its init prints a
# heartbeat every 20 s; with none for 90 s nothing will recover, so stop the VM and say so
# (exit 75) instead of waiting out the timeout, keeping what it was doing for a diagnosis: its
# console and, from QEMU's monitor, each CPU's registers and local APIC, three times over (RIPs
# to look up in the VM's /proc/kallsyms; the VM boots with nokaslr, so they are stable).
save_stall_state() {
  local keep=${TMPDIR:-/tmp}/nested-kvm-stall.$$.log
  { tr -d '\r' <"$output"; echo "=== QEMU monitor"
    python3 - "$output.monitor" <<'EOF' || true
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(5)
for command in ["info registers -a", "info lapic 0", "info lapic 1"] * 3 + ["info pic", "info irq"]:
    s.sendall(command.encode() + b"\n"); time.sleep(0.5)
out = b""
try:
    while True:
        chunk = s.recv(65536)
        if not chunk: break
        out += chunk
except socket.timeout:
    pass
print(out.decode(errors="replace"))
EOF
  } >"$keep" 2>&1
  echo "nested-kvm: the stalled VM's console and CPU state are in $keep" >&2
}
beats=0
last_beat=$SECONDS
while kill -0 $qemu 2>/dev/null; do
  count=$(grep -ac '^NESTED-KVM-ALIVE' "$output" || true)
  if [ "$count" != "$beats" ]; then
    beats=$count
    last_beat=$SECONDS
  elif [ $((SECONDS - last_beat)) -gt 90 ]; then
    touch "$stalled"
    save_stall_state
    pkill -P $qemu 2>/dev/null; kill $qemu 2>/dev/null
    break
  fi
  sleep 5
done
status=0
wait $qemu || status=$?
tr -d '\r' <"$output" | awk '/^NESTED-KVM-EXIT=/ { exit } /^NESTED-KVM-ALIVE$/ { next } printing { print } /NESTED-KVM-BEGIN/ { printing = 1 }'
if [ -e "$stalled" ]; then
  echo "nested-kvm: the VM's kernel stalled (no heartbeat for 90 s, a QEMU TCG problem); stopped it" >&2
  exit 75
fi
[ $status -eq 124 ] && { echo "nested-kvm: timed out after $timeout s" >&2; exit 124; }
code=$(sed -n 's/^NESTED-KVM-EXIT=\([0-9]*\).*/\1/p' "$output" | tail -1)
[ -n "$code" ] || { echo "nested-kvm: the VM ended without reporting a status" >&2; exit 1; }
exit "$code"
