#!/usr/bin/env bash
# The test command (README, .ci/run): every unit and integration test, and each fuzz target for
# 10 s (scripts/fuzz.sh). Tests labelled "kvm" boot real guests; on a host without /dev/kvm they
# run inside a nested-KVM VM (scripts/nested-kvm.sh) instead of being skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -w /dev/kvm ]; then
  ctest --test-dir build --output-on-failure
  exec scripts/fuzz.sh -t 10
fi
echo "test: no /dev/kvm on this host: the kvm-labelled tests run in a nested-KVM VM (slow)"
ctest --test-dir build --output-on-failure -LE kvm
scripts/fuzz.sh -t 10
# Exit status 75 means the nested VM's own kernel stalled under QEMU's emulation before the tests
# finished (scripts/nested-kvm.sh explains); that says nothing about vmlet, so run them once more.
status=0
scripts/nested-kvm.sh -t 2400 -- ctest --test-dir build --output-on-failure -L kvm || status=$?
if [ $status -eq 75 ]; then
  echo "test: the nested VM stalled; running the kvm-labelled tests again"
  exec scripts/nested-kvm.sh -t 2400 -- ctest --test-dir build --output-on-failure -L kvm
fi
exit $status
