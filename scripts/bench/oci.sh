#!/usr/bin/env bash
# OCI runtime benchmark: `podman run --rm IMAGE true` with vmlet-runtime, warm (a first untimed run
# builds its VM template), in vm and in process isolation, against runc and against runsc where it
# is installed; interleaved rounds, medians and ratios to runc (see oci_measure.py). podman gets a
# store, a network config directory and containers.conf of the bench's own, and vmlet-runtime a VM
# store of its own, all in a scratch directory: the machine's own podman state is left alone.
#   scripts/bench/oci.sh [RUNS]
# Environment: VMLET_RUNTIME (default: vmlet-runtime on PATH, where `cmake --install` puts it),
# RUNC (default /usr/sbin/runc). Needs root (podman runs its containers as root here).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "oci bench: needs root (podman runs its containers as root here)" >&2; exit 1; }
command -v podman >/dev/null || { echo "oci bench: needs podman (scripts/setup.sh installs it)" >&2; exit 1; }
runtime=${VMLET_RUNTIME:-$(command -v vmlet-runtime || echo /usr/local/bin/vmlet-runtime)}
[ -x "$runtime" ] || { echo "oci bench: no vmlet-runtime at $runtime (cmake --install, or VMLET_RUNTIME=build/vmlet-runtime)" >&2; exit 1; }
runtime=$(realpath "$runtime") # containers.conf wants it absolute: conmon runs elsewhere
# Its VM templates go to the bench's own store, which only a vmlet-runtime with --vm-store can take.
"$runtime" --help | grep -q -- --vm-store || { echo "oci bench: $runtime has no --vm-store: install a newer one, or VMLET_RUNTIME=build/vmlet-runtime" >&2; exit 1; }
runc=${RUNC:-/usr/sbin/runc}
workdir=$(mktemp -d "${TMPDIR:-/var/tmp}/vmlet-oci-bench.XXXXXX")
store=(--root "$workdir/storage" --runroot "$workdir/run" --tmpdir "$workdir/tmp")
export CONTAINERS_CONF=$workdir/containers.conf
cleanup() {
  # The store's overlay mounts go with it; --one-file-system so that a mount left over is never
  # deleted through.
  podman "${store[@]}" rm --all --force --time 0 >/dev/null 2>&1 || true
  podman "${store[@]}" system reset --force >/dev/null 2>&1 || true
  if findmnt -rn -o TARGET | grep -qF "$workdir"; then
    echo "oci bench: mounts left under $workdir:" >&2
    findmnt -rn -o TARGET | grep -F "$workdir" >&2
  fi
  rm -rf --one-file-system "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# As tests/integration/oci/podman_driver.cpp configures podman: runtime_supports_json because
# podman asks JSON errors only of the runtimes named there. network_config_dir belongs to
# [network]: under [engine] podman ignores it ("Failed to decode the keys") and uses /etc/cni/net.d.
cat >"$CONTAINERS_CONF" <<EOF
[containers]
netns = "none"

[network]
network_config_dir = "$workdir/networks"

[engine]
runtime_supports_json = ["crun", "runc", "kata", "runsc", "krun", "vmlet-runtime"]
cgroup_manager = "cgroupfs"
events_logger = "file"

[engine.runtimes]
vmlet-runtime = ["$runtime"]
EOF
mkdir -p "$workdir/networks" "$workdir/vmstore"
python3 "$here/oci_measure.py" --runs "${1:-10}" --workdir "$workdir" --runc "$runc" --runsc "$(command -v runsc || true)" \
  -- "${store[@]}"
