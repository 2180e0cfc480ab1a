#!/usr/bin/env python3
"""Measures what templates give VM containers (README, "Templates").

  * An image made here from busybox-static, loaded into a scratch --root; its disk and template
    are built before timing (`vmlet template build`), as a first run would.
  * Start to exit, rounds interleaved: `vmlet run --rm --isolation=vm IMAGE true` restored from the
    template (warm), the same with --no-template (cold), `--isolation=process`, and QEMU microvm
    booting the bundled kernel and initramfs to `true` (the reference VMM's cold boot). Medians.
  * Memory: COUNT detached `sleep 600` containers restored from the template, all running at once,
    their PSS summed over each monitor's whole process tree (monitor, vmlet-vmm, the guest RAM it
    touched: pages the clones share with the template's page cache count a share each); then
    COUNT booted cold; and one cold VM container on its own.
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


def running_memory(vmlet, root, count, extra, timeout):
    """PSS in MiB of `count` containers started with `extra` flags and running at once."""
    names = [f"bench-{index}" for index in range(count)]
    try:
        for name in names:
            subprocess.run(vmlet + ["run", "-d", "--name", name, "--isolation=vm"] + extra + ["bench:1", "sleep", "600"],
                           check=True, capture_output=True, timeout=timeout)
        time.sleep(2)
        return sum(pss_kib(monitor_pid(root, name)) for name in names) / 1024
    finally:
        subprocess.run(vmlet + ["rm", "-f"] + names, capture_output=True)


def main():
    parser = argparse.ArgumentParser()
    bench_arguments(parser)
    parser.add_argument("--count", type=int, default=10)
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="vmlet-bench-")
    root = os.path.join(scratch, "root")
    vmlet = [args.vmlet, "--root", root]
    try:
        busybox_archive(os.path.join(scratch, "bench.tar"))
        subprocess.run(vmlet + ["load", "-i", os.path.join(scratch, "bench.tar")], check=True, capture_output=True)
        start = time.monotonic()
        subprocess.run(vmlet + ["template", "build", "bench:1"], check=True, capture_output=True, timeout=args.timeout)
        print(f"disk and template built in {time.monotonic() - start:.3f} s", flush=True)

        qemu = qemu_true_command(args.vmlet, args.kernel, args.initrd)
        commands = {
            "warm": vmlet + ["run", "--rm", "--isolation=vm", "bench:1", "true"],
            "cold": vmlet + ["run", "--rm", "--isolation=vm", "--no-template", "bench:1", "true"],
            "process": vmlet + ["run", "--rm", "--isolation=process", "bench:1", "true"],
            "qemu": qemu,
        }
        times = {name: [] for name in commands}
        for round_index in range(args.runs):
            for name, command in commands.items():
                started = time.monotonic()
                result = subprocess.run(command, timeout=args.timeout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                # QEMU's isa-debug-exit turns init's status 0 into (0 << 1) | 1.
                if result.returncode != (1 if name == "qemu" else 0):
                    sys.exit(f"{name} run {round_index + 1} failed with status {result.returncode}: {result.stderr.strip()}")
                if name == "warm" and "no template" in result.stderr:
                    sys.exit(f"the warm run booted: {result.stderr.strip()}")
                times[name].append(time.monotonic() - started)
                print(f"round {round_index + 1} {name}: {times[name][-1]:.3f} s", flush=True)

        clones = running_memory(vmlet, root, args.count, [], args.timeout)
        print(f"{args.count} containers from the template: {clones:.1f} MiB", flush=True)
        cold = running_memory(vmlet, root, args.count, ["--no-template"], args.timeout)
        print(f"{args.count} containers booted cold: {cold:.1f} MiB", flush=True)
        one_cold = running_memory(vmlet, root, 1, ["--no-template"], args.timeout)

        warm, cold_time, process, qemu_time = (statistics.median(times[name]) for name in ("warm", "cold", "process", "qemu"))
        print()
        print(f"start to exit of `true` (median of {args.runs}): vm from the template {warm:.3f} s   vm booted {cold_time:.3f} s   "
              f"process {process:.3f} s   QEMU microvm boot {qemu_time:.3f} s")
        print(f"ratio warm/cold {warm / cold_time:.3f}")
        print(f"ratio warm/process {warm / process:.2f}")
        print(f"ratio warm/qemu boot {warm / qemu_time:.3f}")
        print(f"host memory (PSS): {args.count} from the template {clones:.1f} MiB   {args.count} booted {cold:.1f} MiB   "
              f"one booted {one_cold:.1f} MiB")
        print(f"ratio {args.count} clones / {args.count} booted {clones / cold:.2f}")
        print(f"ratio {args.count} clones / one booted {clones / one_cold:.2f}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
