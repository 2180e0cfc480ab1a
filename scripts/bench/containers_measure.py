#!/usr/bin/env python3
"""Measures what each isolation costs: start-to-exit of `true`, and host memory while running.

  * An image: busybox-static with its applets, as a `docker save` archive, loaded into a
    scratch --root (so the bench never touches the real store).
  * Start to exit: `vmlet run --rm --isolation=I image true`, wall time from process start to exit,
    rounds interleaved (process, vm, process, vm, ...), medians.
  * The reference VMM: QEMU microvm booting the bundled kernel and initramfs to run `true` (as
    scripts/bench/boot.sh does), in the same rounds: a VM container's whole start against a bare
    QEMU boot.
  * Memory: one detached container per isolation running `sleep 600`; the proportional set size
    (PSS, /proc/PID/smaps_rollup) summed over the monitor process and all its descendants, which
    for vm isolation includes the VM process and the guest RAM the guest touched.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from bench_containers import bench_arguments, busybox_archive, monitor_pid, pss_kib, qemu_true_command


def main():
    parser = argparse.ArgumentParser()
    bench_arguments(parser)
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="vmlet-bench-")
    root = os.path.join(scratch, "root")
    vmlet = [args.vmlet, "--root", root]
    try:
        busybox_archive(os.path.join(scratch, "bench.tar"))
        subprocess.run(vmlet + ["load", "-i", os.path.join(scratch, "bench.tar")], check=True, capture_output=True)
        # The vm isolation's disk is built once per image: build it before timing.
        subprocess.run(vmlet + ["run", "--rm", "--isolation=vm", "bench:1", "true"], check=True, timeout=args.timeout)

        qemu = qemu_true_command(args.vmlet, args.kernel, args.initrd)
        commands = {
            "process": vmlet + ["run", "--rm", "--isolation=process", "bench:1", "true"],
            "vm": vmlet + ["run", "--rm", "--isolation=vm", "bench:1", "true"],
            "qemu": qemu,
        }
        times = {name: [] for name in commands}
        for round_index in range(args.runs):
            for name, command in commands.items():
                start = time.monotonic()
                status = subprocess.run(command, timeout=args.timeout, stdout=subprocess.DEVNULL).returncode
                # QEMU's isa-debug-exit turns init's status 0 into (0 << 1) | 1.
                if status != (1 if name == "qemu" else 0):
                    sys.exit(f"{name} run {round_index + 1} failed with status {status}")
                times[name].append(time.monotonic() - start)
                print(f"round {round_index + 1} {name}: {times[name][-1]:.3f} s", flush=True)

        memory = {}
        for isolation in ("process", "vm"):
            name = "bench-" + isolation
            subprocess.run(vmlet + ["run", "-d", "--name", name, "--isolation=" + isolation, "bench:1", "sleep", "600"],
                           check=True, capture_output=True, timeout=args.timeout)
            time.sleep(2)
            memory[isolation] = pss_kib(monitor_pid(root, name)) / 1024
            subprocess.run(vmlet + ["rm", "-f", name], check=True, capture_output=True)

        process_time, vm_time, qemu_time = (statistics.median(times[name]) for name in ("process", "vm", "qemu"))
        print()
        print(f"start to exit of `true`  process {process_time:.3f} s   vm {vm_time:.3f} s   (median of {args.runs})")
        print(f"QEMU microvm boot of the same kernel and initramfs to `true`: {qemu_time:.3f} s")
        print(f"ratio start vm/process {vm_time / process_time:.1f}")
        print(f"ratio vm container start / qemu boot {vm_time / qemu_time:.2f}")
        print(f"host memory per running container (PSS)  process {memory['process']:.1f} MiB   vm {memory['vm']:.1f} MiB")
    finally:
        subprocess.run(vmlet + ["rm", "-f", "bench-process", "bench-vm"], capture_output=True)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
