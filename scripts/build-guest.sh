#!/usr/bin/env bash
# Builds vmlet's bundled guest and installs it:
#   vmlinux         Debian's linux-source-6.1, `make tinyconfig` + guest/kernel/vmlet.config, with
#                   guest/kernel/patches applied; an uncompressed ELF with a PVH entry note
#   initramfs.cpio  guest/init (static) as /init, guest/agent as /bin/vmlet-agent (static),
#                   busybox-static, and guest/tools/vsockcat; uncompressed newc
# Each is cached under $VMLET_CACHE_DIR by the hash of everything it is built from, so a second
# run (or CI on the same machine) costs nothing.
#   scripts/build-guest.sh [--force]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${VMLET_CACHE_DIR:-/var/cache/vmlet}
datadir=${VMLET_DATADIR:-/usr/local/share/vmlet}
force=0
[ "${1:-}" = "--force" ] && force=1

source_tarball=/usr/src/linux-source-6.1.tar.xz
[ -r "$source_tarball" ] || { echo "build-guest: $source_tarball is missing (apt-get install linux-source-6.1)" >&2; exit 1; }
busybox=$(command -v busybox || true)
[ -x /bin/busybox ] && busybox=/bin/busybox
[ -n "$busybox" ] && "$busybox" --list-full >/dev/null 2>&1 || { echo "build-guest: busybox-static is missing" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/var/tmp}/vmlet-guest.XXXXXX")
trap 'rm -rf "$work"' EXIT

build_kernel() {
  local started=$SECONDS
  echo "build-guest: building the kernel ($kernel_hash), a few minutes"
  tar -xf "$source_tarball" -C "$work"
  local tree=$work/linux-source-6.1
  for patch in "$repo"/guest/kernel/patches/*.patch; do
    patch -d "$tree" -p1 -s < "$patch"
  done
  make -C "$tree" -s tinyconfig >/dev/null
  "$tree/scripts/kconfig/merge_config.sh" -m -O "$tree" "$tree/.config" "$repo/guest/kernel/vmlet.config" >/dev/null 2>&1
  make -C "$tree" -s olddefconfig >/dev/null 2>&1
  # Kconfig drops options whose dependencies are unmet without a word: insist on every one.
  local missing=0 option value
  while IFS='=' read -r option value; do
    grep -qx "$option=$value" "$tree/.config" || { echo "build-guest: $option=$value did not stick" >&2; missing=1; }
  done < <(grep -E '^CONFIG_[A-Z0-9_]+=' "$repo/guest/kernel/vmlet.config")
  while read -r option; do
    ! grep -q "^$option=" "$tree/.config" || { echo "build-guest: $option should be off" >&2; missing=1; }
  done < <(sed -nE 's/^# (CONFIG_[A-Z0-9_]+) is not set$/\1/p' "$repo/guest/kernel/vmlet.config")
  [ $missing -eq 0 ] || exit 1
  make -C "$tree" -s -j"$(nproc)" vmlinux
  mkdir -p "$(dirname "$kernel_out")"
  cp "$tree/vmlinux" "$kernel_out.tmp"
  cp "$tree/.config" "$(dirname "$kernel_out")/config"
  mv "$kernel_out.tmp" "$kernel_out"
  echo "build-guest: kernel built in $((SECONDS - started)) s: $(du -h "$kernel_out" | cut -f1)"
}

build_initramfs() {
  echo "build-guest: building the initramfs ($initramfs_hash)"
  local root=$work/initramfs
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root,etc}
  gcc -static -Os -s -Wall -Wextra -Werror -o "$root/init" "$repo/guest/init/init.c"
  gcc -static -Os -s -Wall -Wextra -Werror -o "$root/bin/vmlet-agent" "$repo"/guest/agent/*.c
  gcc -static -Os -s -Wall -Wextra -Werror -o "$root/bin/vsockcat" "$repo/guest/tools/vsockcat.c"
  cp "$busybox" "$root/bin/busybox"
  # Links only for the paths that scripts name themselves: Debian's busybox-static runs its applets
  # from its own shell and from xargs, find -exec and the like without them (FEATURE_SH_STANDALONE,
  # FEATURE_PREFER_APPLETS), and init hands a command it cannot find to busybox. Each link is
  # interpreted kernel work when the initramfs is unpacked: on a PVM host the 268 applet links
  # cost 10 s of a 40 s boot (2026-12-02).
  ln -s /bin/busybox "$root/bin/sh"
  ln -s /bin/busybox "$root/usr/bin/env"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$root/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' > "$root/etc/group"
  mkdir -p "$(dirname "$initramfs_out")"
  # /dev/console must exist before init runs: the kernel opens it as init's stdio.
  python3 "$repo/scripts/make_cpio.py" "$root" "$initramfs_out.tmp" --device /dev/console:c:5:1:0600
  mv "$initramfs_out.tmp" "$initramfs_out"
  echo "build-guest: initramfs: $(du -h "$initramfs_out" | cut -f1)"
}

# Each cache key covers what its artifact is built from, the function that builds it included
# (declare -f), but not the rest of this script: a change to one never rebuilds the other. Globs
# sort bytewise whatever the locale.
export LC_ALL=C
kernel_hash=$( { dpkg-query -W -f='${Version}' linux-source-6.1; cat "$repo/guest/kernel/vmlet.config" "$repo"/guest/kernel/patches/*.patch; declare -f build_kernel; } | sha256sum | cut -c1-16)
initramfs_hash=$( { dpkg-query -W -f='${Version}' busybox-static; cat "$repo/guest/init/init.c" "$repo"/guest/agent/*.c "$repo"/guest/agent/*.h "$repo/guest/tools/vsockcat.c" "$repo/scripts/make_cpio.py"; declare -f build_initramfs; } | sha256sum | cut -c1-16)
kernel_out=$cache/kernel/$kernel_hash/vmlinux
initramfs_out=$cache/initramfs/$initramfs_hash/initramfs.cpio

if [ $force -eq 1 ] || [ ! -f "$kernel_out" ]; then build_kernel; else echo "build-guest: kernel $kernel_hash is cached"; fi
if [ $force -eq 1 ] || [ ! -f "$initramfs_out" ]; then build_initramfs; else echo "build-guest: initramfs $initramfs_hash is cached"; fi

mkdir -p "$datadir"
install -m 0644 "$kernel_out" "$datadir/vmlinux"
install -m 0644 "$initramfs_out" "$datadir/initramfs.cpio"
echo "build-guest: installed $datadir/vmlinux and $datadir/initramfs.cpio"
