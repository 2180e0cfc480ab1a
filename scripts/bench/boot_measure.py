#!/usr/bin/env python3
"""Measures vmlet against QEMU microvm booting the same guest to run `true`.

For each of N interleaved rounds (vmlet, then QEMU):
  * wall time from process start to exit (boot, run `true` in the guest, power off);
  * vmlet only: its boot timer (first KVM_RUN, guest init reached), from --boot-timer;
  * resident memory that is not guest RAM: total RSS minus the RSS of the guest-RAM mapping, in
    the last sample before the VMM exits (steady state: vmlet maps the kernel file only while
    copying it into guest RAM, so an early sample would count those page-cache pages).
Then vmlet alone with each guest-RAM backing (plain, hugepages, populate): wall time and total RSS.
Both VMMs get the same kernel command line, including the flags a PVM host needs, and QEMU gets an
isa-debug-exit device on vmlet's exit port so that it exits when the guest's init reports.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

MEMORY_MIB = 256


def vmlet_command_line(vmlet):
    # Ask vmlet which command line it gives the guest, so QEMU gets exactly the same.
    out = subprocess.run([vmlet, "boot", "--print-cmdline", "--", "true"], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def guest_ram_rss_kib(pid, minimum_bytes):
    """RSS of the largest mapping of at least minimum_bytes (the guest RAM) and the total RSS."""
    total = 0
    ram = 0
    size = 0
    try:
        with open(f"/proc/{pid}/smaps") as smaps:
            for line in smaps:
                if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                    start, end = (int(x, 16) for x in line.split()[0].split("-"))
                    size = end - start
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
                    total += rss
                    if size >= minimum_bytes:
                        ram = max(ram, rss)
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return total, ram


def peak_rss_kib(err):
    match = re.search(r"peak RSS ([0-9]+) KiB", err)
    return int(match.group(1)) if match else 0


def run_and_sample(command, timeout):
    start = time.monotonic()
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    overhead = 0
    while process.poll() is None:
        sample = guest_ram_rss_kib(process.pid, MEMORY_MIB << 20)
        if sample and sample[1] > 0:  # a process tearing down has no guest-RAM mapping left
            overhead = sample[0] - sample[1]
        if time.monotonic() - start > timeout:
            process.kill()
            raise RuntimeError(f"timed out: {' '.join(command)}")
        time.sleep(0.02)
    wall = time.monotonic() - start
    out, err = process.communicate()
    return wall, overhead, process.returncode, err.decode(errors="replace")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vmlet", required=True)
    parser.add_argument("--kernel", required=True)
    parser.add_argument("--initrd", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()

    cmdline = vmlet_command_line(args.vmlet)
    vmlet = [args.vmlet, "boot", "--boot-timer", "--memory", str(MEMORY_MIB), "--kernel", args.kernel,
             "--initrd", args.initrd, "--", "true"]
    qemu = ["qemu-system-x86_64", "-M", "microvm,acpi=off", "-accel", "kvm", "-cpu", "host,arch-capabilities=off",
            "-m", str(MEMORY_MIB), "-smp", "1", "-nodefaults", "-no-user-config", "-nographic", "-no-reboot",
            "-serial", "stdio", "-kernel", args.kernel, "-initrd", args.initrd, "-append", cmdline,
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x01"]

    results = {"vmlet": [], "qemu": []}
    first_run_ms, init_ms = [], []
    for round_index in range(args.runs):
        for name, command in (("vmlet", vmlet), ("qemu", qemu)):
            wall, overhead, status, err = run_and_sample(command, args.timeout)
            expected = 0 if name == "vmlet" else 1  # isa-debug-exit: (0 << 1) | 1
            if status != expected:
                sys.exit(f"{name} run {round_index} failed with status {status}: {err.strip()}")
            results[name].append((wall, overhead))
            if name == "vmlet":
                match = re.search(r"first KVM_RUN ([0-9.]+) ms, init ([0-9.]+) ms", err)
                if match:
                    first_run_ms.append(float(match.group(1)))
                    init_ms.append(float(match.group(2)))
            print(f"round {round_index + 1} {name}: {wall:.3f} s, {overhead / 1024:.1f} MiB besides guest RAM", flush=True)

    def median(name, index):
        return statistics.median(sample[index] for sample in results[name])

    vmlet_wall, qemu_wall = median("vmlet", 0), median("qemu", 0)
    vmlet_rss, qemu_rss = median("vmlet", 1) / 1024, median("qemu", 1) / 1024
    print()
    print(f"boot+run+exit  vmlet {vmlet_wall:.3f} s   qemu {qemu_wall:.3f} s   (median of {args.runs})")
    if init_ms:
        print(f"vmlet start-up (process start to first KVM_RUN): {statistics.median(first_run_ms):.1f} ms")
        print(f"vmlet boot to init (process start to init's mark): {statistics.median(init_ms) / 1000:.3f} s")
    print(f"RSS besides guest RAM  vmlet {vmlet_rss:.1f} MiB   qemu {qemu_rss:.1f} MiB")
    print(f"ratio boot vmlet/qemu {vmlet_wall / qemu_wall:.2f}")
    print(f"ratio rss-overhead vmlet/qemu {vmlet_rss / qemu_rss:.2f}")

    print()
    backings = {}
    for round_index in range(args.runs):
        for backing in ("plain", "hugepages", "populate"):
            command = vmlet[:2] + ["--memory-backing", backing] + vmlet[2:]
            wall, _, status, err = run_and_sample(command, args.timeout)
            if status != 0:
                sys.exit(f"vmlet --memory-backing {backing} failed with status {status}: {err.strip()}")
            backings.setdefault(backing, []).append((wall, peak_rss_kib(err)))
    for backing, samples in backings.items():
        wall = statistics.median(sample[0] for sample in samples)
        rss = statistics.median(sample[1] for sample in samples) / 1024
        print(f"memory-backing {backing:<9}  boot+run+exit {wall:.3f} s   peak RSS {rss:.1f} MiB")


if __name__ == "__main__":
    main()
