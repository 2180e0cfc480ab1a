#!/usr/bin/env python3
"""Measures a vmlet network (scripts/bench/network.sh runs this in a network namespace of its own).

  * An image: busybox-static with nc, dd, ping and time, loaded into a scratch --root.
  * One network, 10.127.0.0/24. A sink per isolation: a detached container at a fixed address that
    takes TCP connections on port 5001 and throws the bytes away (`nc -l | dd of=/dev/null`), with
    5001 also published on the host through -p (over vsock for a VM container). The reference:
    QEMU microvm booting the same kernel and initramfs with a virtio-net card on a tap on the same
    bridge, running the same sink.
  * Throughput: the sender's wall time to push MIB MiB and close, as MiB/s: from the host to each
    sink (by address over the bridge, and through -p), and from a container of the same isolation
    on the network (`vmlet exec` in it, timed from the host less an `exec true`). Round trip: busybox ping's average over
    10 pings, from the host and from that container. Medians over RUNS rounds, interleaved.
"""
import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from bench_containers import bench_arguments, busybox_archive, qemu_true_command

SUBNET = "10.127.0"
ADDRESSES = {"process": f"{SUBNET}.10", "vm": f"{SUBNET}.11", "qemu": f"{SUBNET}.12"}
PUBLISHED = {"process": 15010, "vm": 15011}
# busybox nc's persistent listener: a dd of its own for each connection, no gap between two.
SINK = "nc -ll -p 5001 -e /bin/busybox dd of=/dev/null bs=65536"


def run(command, timeout, **kwargs):
    return subprocess.run(command, timeout=timeout, capture_output=True, text=True, **kwargs)


def wait_for_sink(address, port, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if run(["busybox", "nc", "-w", "2", address, str(port)], 10, stdin=subprocess.DEVNULL).returncode == 0:
            return
        time.sleep(0.5)
    sys.exit(f"no sink answers at {address}:{port}")


def send_from_host(address, port, mib, timeout):
    start = time.monotonic()
    result = run(["sh", "-c", f"dd if=/dev/zero bs=65536 count={mib * 16} 2>/dev/null | busybox nc {address} {port}"], timeout)
    if result.returncode != 0:
        sys.exit(f"sending to {address}:{port} failed: {result.stderr.strip()}")
    return mib / (time.monotonic() - start)


def ping_average_ms(output):
    found = re.search(r"min/avg/max = [\d.]+/([\d.]+)/", output)
    if not found:
        sys.exit(f"no round trip in: {output}")
    return float(found.group(1))


def main():
    parser = argparse.ArgumentParser()
    bench_arguments(parser)
    parser.add_argument("--mib", type=int, default=64)
    # The reference VM's transfers, smaller where its path is slow (on PVM, 0.1 MiB/s).
    parser.add_argument("--reference-mib", type=int, default=0)
    args = parser.parse_args()
    # `timeout` and ^C: the containers, the tap and QEMU still go (the finally below).
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit("network bench: terminated"))

    scratch = tempfile.mkdtemp(prefix="vmlet-bench-")
    root = os.path.join(scratch, "root")
    vmlet = [args.vmlet, "--root", root]
    qemu = None
    try:
        busybox_archive(os.path.join(scratch, "bench.tar"), ("sh", "true", "sleep", "nc", "dd", "ping", "time"))
        subprocess.run(vmlet + ["load", "-i", os.path.join(scratch, "bench.tar")], check=True, capture_output=True)
        subprocess.run(vmlet + ["network", "create", "--subnet", f"{SUBNET}.0/24", "bench"], check=True, capture_output=True)
        bridge = run(vmlet + ["network", "inspect", "bench"], 60).stdout.split('"com.docker.network.bridge.name": "')[1].split('"')[0]
        for isolation in ("process", "vm"):
            subprocess.run(vmlet + ["run", "-d", "--name", f"sink-{isolation}", "--isolation", isolation, "--network", "bench",
                                    "--ip", ADDRESSES[isolation], "-p", f"127.0.0.1:{PUBLISHED[isolation]}:5001", "bench:1", "sh", "-c", SINK],
                           check=True, capture_output=True, timeout=args.timeout)
            subprocess.run(vmlet + ["run", "-d", "--name", f"client-{isolation}", "--isolation", isolation, "--network", "bench",
                                    "bench:1", "sleep", "100000"], check=True, capture_output=True, timeout=args.timeout)
        # The reference: QEMU with its card on a tap of the same bridge.
        subprocess.run(["ip", "tuntap", "add", "qtap0", "mode", "tap"], check=True)
        subprocess.run(["ip", "link", "set", "qtap0", "master", bridge, "up"], check=True)
        guest = f"ip addr add {ADDRESSES['qemu']}/24 dev eth0 && ip link set eth0 up && {SINK}"
        command = qemu_true_command(args.vmlet, args.kernel, args.initrd, ("sh", "-c", guest))
        command += ["-netdev", "tap,id=n0,ifname=qtap0,script=no,downscript=no", "-device", "virtio-net-device,netdev=n0"]
        # QEMU would append its card's virtio_mmio.device= after the "--" that hands the rest to
        # init; it goes in place of vmlet's own instead (QEMU microvm's last transport, IRQ 12).
        command[command.index("microvm,acpi=off")] = "microvm,acpi=off,auto-kernel-cmdline=off"
        append = command.index("-append") + 1
        command[append] = re.sub(r"virtio_mmio\.device=\S+", "virtio_mmio.device=512@0xfeb00e00:12", command[append])
        qemu = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print("sinks started: process and vm containers, QEMU", flush=True)
        for name, address in ADDRESSES.items():
            wait_for_sink(address, 5001, args.timeout)
            print(f"{name} sink at {address}:5001 answers", flush=True)
        for isolation in PUBLISHED:
            wait_for_sink("127.0.0.1", PUBLISHED[isolation], args.timeout)

        figures = {}

        def record(name, value):
            figures.setdefault(name, []).append(value)
            print(f"  {name}: {value:.3f}", flush=True)

        for round_index in range(args.runs):
            print(f"round {round_index + 1}", flush=True)
            for name, address in ADDRESSES.items():
                mib = args.reference_mib if name == "qemu" and args.reference_mib else args.mib
                record(f"host->{name} MiB/s", send_from_host(address, 5001, mib, args.timeout))
                record(f"host->{name} rtt ms", ping_average_ms(run(["busybox", "ping", "-q", "-c", "10", "-i", "0.2", address], 60).stdout))
            for isolation, port in PUBLISHED.items():
                record(f"host->{isolation} -p MiB/s", send_from_host("127.0.0.1", port, args.mib, args.timeout))
            for isolation in PUBLISHED:
                # Timed from the host around `vmlet exec`, less an `exec true` of the same round.
                client = vmlet + ["exec", f"client-{isolation}"]
                start = time.monotonic()
                run(client + ["true"], args.timeout)
                overhead = time.monotonic() - start
                start = time.monotonic()
                sent = run(client + ["sh", "-c", f"dd if=/dev/zero bs=65536 count={args.mib * 16} 2>/dev/null | nc {ADDRESSES[isolation]} 5001"], args.timeout)
                elapsed = time.monotonic() - start - overhead
                if sent.returncode != 0:
                    sys.exit(f"the {isolation} client failed: {sent.stderr.strip()}")
                record(f"{isolation}->{isolation} MiB/s", args.mib / elapsed)
                pinged = run(client + ["ping", "-q", "-c", "10", "-i", "0.2", ADDRESSES[isolation]], args.timeout)
                record(f"{isolation}->{isolation} rtt ms", ping_average_ms(pinged.stdout))

        medians = {name: statistics.median(values) for name, values in figures.items()}
        print(f"\nmedians over {args.runs} rounds, {args.mib} MiB per transfer ({args.reference_mib or args.mib} MiB to QEMU):")
        for name, value in medians.items():
            print(f"  {name:<28} {value:10.3f}")
        print("ratios:")
        for direction in ("MiB/s", "rtt ms"):
            print(f"  host->vm / host->qemu {direction}: {medians[f'host->vm {direction}'] / medians[f'host->qemu {direction}']:.3g}x")
            print(f"  host->vm / host->process {direction}: {medians[f'host->vm {direction}'] / medians[f'host->process {direction}']:.3g}x")
            print(f"  vm->vm / process->process {direction}: {medians[f'vm->vm {direction}'] / medians[f'process->process {direction}']:.3g}x")
        print(f"  host->vm: -p (vsock) / bridge MiB/s: {medians['host->vm -p MiB/s'] / medians['host->vm MiB/s']:.3g}x")
        print(f"  host->process: -p / bridge MiB/s: {medians['host->process -p MiB/s'] / medians['host->process MiB/s']:.3g}x")
    finally:
        if qemu:
            qemu.kill()
            qemu.wait()
        for isolation in PUBLISHED:
            subprocess.run(vmlet + ["rm", "-f", f"sink-{isolation}", f"client-{isolation}"], capture_output=True)
        subprocess.run(["ip", "link", "del", "qtap0"], capture_output=True)
        subprocess.run(vmlet + ["network", "rm", "bench"], capture_output=True)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
