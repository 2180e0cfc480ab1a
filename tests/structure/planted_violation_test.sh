#!/usr/bin/env bash
# The dependency check must fail on a violation: a tree with one planted per rule it guards most.
set -euo pipefail
checker=$1
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/vmm/vm" "$tree/devices/virtio" "$tree/boot"
printf '#include "vmm/base/result.h"\n' > "$tree/vmm/vm/clean.cpp"
printf '#include "containers/runtime/container.h"\n' > "$tree/vmm/vm/planted.cpp"
printf '#include <linux/kvm.h>\n' > "$tree/devices/virtio/planted.cpp"
printf '#include "devices/virtio/block_device.h"\n' > "$tree/boot/planted.h"
set +e
output=$(python3 "$checker" "$tree" 2>&1)
status=$?
set -e
echo "$output"
[ "$status" -eq 1 ] || { echo "expected exit 1, got $status"; exit 1; }
for expected in "vmm/vm/planted.cpp:1: includes containers/runtime/container.h" \
                "devices/virtio/planted.cpp:1: includes linux/kvm.h" \
                "boot/planted.h:1: includes devices/virtio/block_device.h"; do
  grep -qF "$expected" <<<"$output" || { echo "missing: $expected"; exit 1; }
done
! grep -q clean.cpp <<<"$output" || { echo "a clean file was reported"; exit 1; }
echo "planted violations found"
