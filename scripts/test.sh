#!/usr/bin/env bash
# The test command (README, .ci/run): every unit and integration test. Tests labelled "kvm" boot
# real guests; on a host without /dev/kvm they run inside a nested-KVM VM (scripts/nested-kvm.sh)
# instead of being skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -w /dev/kvm ]; then
  exec ctest --test-dir build --output-on-failure
fi
echo "test: no /dev/kvm on this host: the kvm-labelled tests run in a nested-KVM VM (slow)"
ctest --test-dir build --output-on-failure -LE kvm
exec scripts/nested-kvm.sh -t 2400 -- ctest --test-dir build --output-on-failure -L kvm
