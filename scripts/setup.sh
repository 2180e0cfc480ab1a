#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for vmlet: the Debian packages it builds with, vmlet itself
# (installed on the PATH), and the bundled guest (kernel + initramfs, cached by content hash).
# Safe to run again: installed packages and a cached guest are not rebuilt.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=${PREFIX:-/usr/local}
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)

packages=(
  build-essential cmake pkg-config      # the toolchain
  libfmt-dev libcli11-dev libgtest-dev  # vmlet's libraries: formatting, CLI parsing, tests
  libssl-dev libarchive-dev libcurl4-openssl-dev nlohmann-json3-dev  # images: SHA-256, tar/gzip/zstd, the registry API, JSON
  libseccomp-dev                        # process isolation: seccomp filters from Docker's default profile or a user's
  libnl-route-3-dev libnftables-dev     # networks: bridges, veths and routes over rtnetlink; each network's firewall table
  clang libclang-rt-dev                 # scripts/fuzz.sh: clang, libFuzzer and the sanitizer runtimes
  linux-source-6.1 flex bison bc libelf-dev libssl-dev  # the guest kernel and what builds it
  busybox-static cpio                   # the guest's user space and initramfs
  qemu-system-x86                       # the reference VMM that scripts/bench/ compares against
  runsc                                 # scripts/bench/oci.sh: gVisor, the sandboxed runtime vmlet-runtime is measured against
  docker-registry skopeo curl           # tests: a registry on loopback, what pushes to it, a client for -p
  nftables                              # tests: nft lists the firewall tables a network leaves, or not
  podman runc                           # tests: they make archives with podman save (runc: --no-install-recommends would pick crun, which refuses hybrid cgroups)
  containerd                            # tests: ctr runs containers with vmlet-runtime as runc (a daemon of the tests' own, not the system's)
  e2fsprogs                             # mkfs.ext4 -d: each image as a disk for --isolation=vm
  chromium                              # tests: vmlet compare's HTML report rendered headless, checked from a screenshot
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# containerd's package enables its daemon (and starts it where systemd runs); the tests start their
# own, so one installed here is left disabled and stopped. One installed before is the user's.
if [[ " ${missing[*]} " == *" containerd "* ]] && command -v systemctl >/dev/null; then
  "${as_root[@]}" systemctl --quiet disable containerd
  if [ -d /run/systemd/system ]; then "${as_root[@]}" systemctl stop containerd; fi
fi

echo "setup: building vmlet"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
cmake --build build -j"$(nproc)"
"${as_root[@]}" cmake --install build >/dev/null

echo "setup: building the bundled guest"
VMLET_DATADIR="$prefix/share/vmlet" "${as_root[@]}" scripts/build-guest.sh

if [ ! -w /dev/kvm ] || [ -d /sys/module/kvm_pvm ]; then
  echo "setup: this host has no usable /dev/kvm (none, or PVM's): preparing the nested-KVM VM the tests use instead"
  scripts/nested-kvm.sh --build
fi

echo "setup: done. Try: vmlet boot -- echo hello"
