#!/usr/bin/env python3
"""Measures vmlet's virtio devices against QEMU microvm's, from inside the same guest.

Run by devices.sh, which creates the network namespace, the tap in it and a work directory.
For each of N interleaved rounds (vmlet, then QEMU), one fresh boot per VMM runs a guest script
that times, with the guest's microsecond clock (busybox adjtimex; its date has no %N), so that
boot time is excluded:
  * read    dd if=/dev/vda of=/dev/null bs=1M over the whole image (cold guest page cache);
  * rand    N x `dd bs=4k count=1 skip=RANDOM iflag=direct` on /dev/vda, one dd process per read
            (busybox has no fio), so process creation is part of every "I/O";
  * base    the same loop with count=0 (open, seek, no read): the loop's cost without any I/O;
  * write   dd if=/dev/zero of=/dev/vda bs=1M count=SIZE conv=fsync;
  * net     dd if=/dev/zero bs=64k | nc HOST PORT into a sink on the tap's host side; busybox nc
            exits only after the sink has read everything and closed, so delivery is timed.
Both VMMs get 1 vCPU, the same RAM, kernel, initramfs and command line; QEMU's command line lacks
vmlet's virtio_mmio.device= entries and has its own in their place (probed once, see below).
Disk I/O goes through the host page cache in both: vmlet uses buffered preadv/pwritev and
fdatasync on a flush, which is QEMU's cache=writeback (its default).
"""
import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time

HOST_IP = "10.0.2.1"
GUEST_IP = "10.0.2.2"


def guest_script(size_mib, rand_reads, port):
    """The guest's shell script, kept short: it travels percent-encoded on the kernel command line."""
    blocks = size_mib * 256  # 4 KiB blocks in the image
    loop = f"i=0;while [ $i -lt {rand_reads} ];do dd if=/dev/vda of=/dev/null bs=4k count=COUNT skip=$((RANDOM%{blocks})) iflag=direct 2>/dev/null||exit 9;i=$((i+1));done"
    return "".join([
        "t(){ adjtimex|awk '/tv_sec/{s=$2}/tv_usec/{printf \"%d%06d\",s,$2}';};",
        "m(){ b=$(t);echo R $1 $((b-a));};",
        "a=$(t);dd if=/dev/vda of=/dev/null bs=1M 2>/dev/null||exit 3;m read;",
        "a=$(t);", loop.replace("COUNT", "1"), ";m rand;",
        "a=$(t);", loop.replace("COUNT", "0"), ";m base;",
        f"a=$(t);dd if=/dev/zero of=/dev/vda bs=1M count={size_mib} conv=fsync 2>/dev/null||exit 4;m write;",
        f"ip addr add {GUEST_IP}/24 dev eth0;ip link set eth0 up;ping -c1 -W5 {HOST_IP} >/dev/null||exit 5;",
        f"a=$(t);dd if=/dev/zero bs=64k count={size_mib * 16} 2>/dev/null|nc {HOST_IP} {port}||exit 6;m net",
    ])


def sink(port, stream=sys.stdout):
    """Host side of the network test (run inside the namespace): accept one connection, count
    its bytes until EOF, close, print the count."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST_IP, port))
    server.listen(1)
    print("ready", file=stream, flush=True)
    connection, _ = server.accept()
    received = 0
    buffer = bytearray(1 << 20)
    while True:
        count = connection.recv_into(buffer)
        if count == 0:
            break
        received += count
    connection.close()
    print(received, file=stream, flush=True)


class Sink:
    def __init__(self, netns, port):
        self.process = subprocess.Popen(["ip", "netns", "exec", netns, sys.executable, os.path.abspath(__file__), "sink",
                                         "--port", str(port)], stdout=subprocess.PIPE, text=True)
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("the network sink did not start")

    def received(self, timeout):
        try:
            out, _ = self.process.communicate(timeout=timeout)
            return int(out.split()[-1]) if out.split() else 0
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            return 0


def vmlet_cmdline(vmlet, image, tap, script):
    out = subprocess.run([vmlet, "boot", "--print-cmdline", "--disk", image, "--net", f"tap={tap}", "--", "sh", "-c", script],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def without_virtio_mmio(cmdline):
    return " ".join(word for word in cmdline.split(" ") if not word.startswith("virtio_mmio.device="))


def qemu_command(args, cmdline, image, tap, auto_cmdline):
    machine = "microvm,acpi=off" + ("" if auto_cmdline else ",auto-kernel-cmdline=off")
    return ["qemu-system-x86_64", "-M", machine, "-accel", "kvm", "-cpu", "host,arch-capabilities=off",
            "-m", str(args.memory), "-smp", "1", "-nodefaults", "-no-user-config", "-nographic", "-no-reboot",
            "-serial", "stdio", "-kernel", args.kernel, "-initrd", args.initrd, "-append", cmdline,
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x01",
            "-drive", f"id=d0,file={image},format=raw,if=none,cache=writeback,aio=threads",
            "-device", "virtio-blk-device,drive=d0",
            "-netdev", f"tap,id=n0,ifname={tap},script=no,downscript=no,vhost=off",
            "-device", "virtio-net-device,netdev=n0",
            "-object", "rng-random,id=rng0,filename=/dev/urandom", "-device", "virtio-rng-device,rng=rng0"]


def qemu_virtio_entries(args, image, tap):
    """QEMU microvm appends its virtio_mmio.device= entries to the end of the command line, which
    is after vmlet's `--` (the guest command's arguments), where the kernel does not read them. So
    boot QEMU once to read the entries it generates from /proc/cmdline; the measured boots then
    have them before `--` and auto-kernel-cmdline=off."""
    probe = vmlet_cmdline(args.vmlet, image, tap, "cat /proc/cmdline")
    command = ["ip", "netns", "exec", args.netns] + qemu_command(args, without_virtio_mmio(probe), image, tap, True)
    result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=args.timeout)
    entries = re.findall(r"virtio_mmio\.device=\S+", result.stdout)
    if result.returncode != 1 or len(entries) != 3:
        sys.exit(f"QEMU probe boot failed (status {result.returncode}, entries {entries}): {result.stdout[-2000:]} {result.stderr[-2000:]}")
    return entries


def insert_before_command(cmdline, entries):
    head, separator, tail = cmdline.partition(" -- ")
    return f"{head} {' '.join(entries)}{separator}{tail}"


def fresh_image(path, seed):
    shutil.copyfile(seed, path)


def run_guest(name, command, args, sink):
    start = time.monotonic()
    try:
        result = subprocess.run(["ip", "netns", "exec", args.netns] + command, stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        sink.received(1)
        sys.exit(f"{name} timed out after {args.timeout} s")
    wall = time.monotonic() - start
    received = sink.received(30 if result.returncode == (0 if name == "vmlet" else 1) else 0.1)
    expected = 0 if name == "vmlet" else 1  # isa-debug-exit reports (status << 1) | 1
    values = {key: int(value) for key, value in re.findall(r"^R (\w+) (\d+)\s*$", result.stdout.replace("\r", ""), re.M)}
    if result.returncode != expected or len(values) != 5:
        sys.exit(f"{name} failed with status {result.returncode} (guest exit codes: 3 read, 4 write, 5 ping, 6 nc, 9 rand)\n"
                 f"stdout: {result.stdout[-3000:]}\nstderr: {result.stderr[-3000:]}")
    net_bytes = args.size * (1 << 20)
    if received != net_bytes:
        sys.exit(f"{name}: the sink received {received} bytes of {net_bytes}")
    return values, wall


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "sink":
        parser = argparse.ArgumentParser()
        parser.add_argument("sink")
        parser.add_argument("--port", type=int, required=True)
        sink(parser.parse_args().port)
        return

    parser = argparse.ArgumentParser()
    parser.add_argument("--vmlet", required=True)
    parser.add_argument("--kernel", required=True)
    parser.add_argument("--initrd", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--netns", required=True)
    parser.add_argument("--tap", required=True)
    parser.add_argument("--port", type=int, default=5201)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--memory", type=int, default=256)
    parser.add_argument("--size", type=int, default=32, help="MiB: the disk image and the network transfer")
    parser.add_argument("--rand-reads", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()

    image = os.path.join(args.workdir, "disk.img")
    seed = os.path.join(args.workdir, "seed.img")
    with open(seed, "wb") as out:
        out.write(os.urandom(args.size << 20))  # real data: holes in a sparse file would read as free zero pages
    fresh_image(image, seed)

    script = guest_script(args.size, args.rand_reads, args.port)
    cmdline = vmlet_cmdline(args.vmlet, image, args.tap, script)
    print(f"guest command line: {len(cmdline)} bytes", flush=True)
    entries = qemu_virtio_entries(args, image, args.tap)
    qemu_cmdline = insert_before_command(without_virtio_mmio(cmdline), entries)
    print(f"QEMU's virtio-mmio devices: {' '.join(entries)}", flush=True)

    vmlet = [args.vmlet, "boot", "--memory", str(args.memory), "--cpus", "1", "--kernel", args.kernel, "--initrd", args.initrd,
             "--disk", image, "--net", f"tap={args.tap}", "--", "sh", "-c", script]
    qemu = qemu_command(args, qemu_cmdline, image, args.tap, False)

    results = {"vmlet": [], "qemu": []}
    for round_index in range(args.runs):
        for name, command in (("vmlet", vmlet), ("qemu", qemu)):
            fresh_image(image, seed)
            values, wall = run_guest(name, command, args, Sink(args.netns, args.port))
            results[name].append(values)
            print(f"round {round_index + 1} {name}: " + ", ".join(f"{key} {value / 1e6:.3f} s" for key, value in values.items())
                  + f" (whole boot {wall:.1f} s)", flush=True)

    mib = float(args.size)
    metrics = [  # name, key, unit, work done in the timed interval
        ("block seq read (dd bs=1M)", "read", "MiB/s", mib),
        ("block seq write (dd bs=1M conv=fsync)", "write", "MiB/s", mib),
        ("block 4k random read (dd iflag=direct, one dd per read)", "rand", "IOPS", args.rand_reads),
        ("same loop without I/O (dd count=0)", "base", "loops/s", args.rand_reads),
        ("net guest->host (dd bs=64k | nc)", "net", "MiB/s", mib),
    ]
    print()
    for label, key, unit, work in metrics:
        rate = {name: work / (statistics.median(values[key] for values in results[name]) / 1e6) for name in results}
        print(f"{label}: vmlet {rate['vmlet']:.1f} {unit}, qemu {rate['qemu']:.1f} {unit}, "
              f"ratio vmlet/qemu {rate['vmlet'] / rate['qemu']:.2f}")
    print(f"(median of {args.runs} interleaved boots each; {args.size} MiB image and transfer; {args.rand_reads} random reads)")


if __name__ == "__main__":
    main()
