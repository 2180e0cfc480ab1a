#!/usr/bin/env python3
"""Measures vmlet's virtio-fs against QEMU microvm with virtiofsd, from inside the same guest, and
a volume of a process-isolated container (`vmlet run --isolation=process -v`, a bind mount of the
host's file system) as what sharing costs nothing.

Run by fs.sh, which makes a work directory. For each of N interleaved rounds (vmlet, then QEMU),
one fresh boot per VMM on an emptied share runs a guest script that times, with the guest's
microsecond clock (busybox adjtimex; its date has no %N), so that boot time is excluded:
  * write   dd if=/dev/zero of=SHARE/big bs=1M count=SIZE conv=fsync;
  * read    dd if=SHARE/big of=/dev/null bs=1M, after dropping the guest's page cache;
  * create  FILES small files written by the shell itself (echo > FILE, no process per file:
            process creation is interpreted guest kernel work on PVM hosts and would drown it);
  * stat    [ -f FILE ] on each, after dropping the guest's caches (dentries and inodes too);
  * readall `read LINE < FILE` on each, after dropping them again.
The process container runs the same script on a busybox image made here, in a scratch --root,
without the mount, and without dropping caches (/proc/sys is read-only in a container): its "cold"
figures are the host's warm ones, which is what a bind mount gives a container anyway.
Both VMMs get 1 vCPU, the same RAM, kernel, initramfs and command line; QEMU's command line lacks
vmlet's virtio_mmio.device= entries and has its own in their place (probed once). virtiofsd runs
with its defaults (cache=auto, 1 s timeouts, readdirplus), which are vmlet's choices too.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

from bench_containers import busybox_archive

TAG = "bench"
APPLETS = ("sh", "true", "dd", "awk", "adjtimex", "mkdir", "sync")


def guest_script(size_mib, files, in_vm=True):
    """Kept short: it travels percent-encoded on the kernel command line. A container's (not
    `in_vm`) finds the share mounted and cannot drop caches."""
    loop = f"i=0;while [ $i -lt {files} ];do BODY;i=$((i+1));done"
    drop = "sync;echo 3 >/proc/sys/vm/drop_caches;" if in_vm else "sync;"
    return "".join([
        "t(){ adjtimex|awk '/tv_sec/{s=$2}/tv_usec/{printf \"%d%06d\",s,$2}';};",
        "m(){ b=$(t);echo R $1 $((b-a));};",
        f"mkdir -p /s&&mount -t virtiofs {TAG} /s||exit 3;" if in_vm else "",
        f"a=$(t);dd if=/dev/zero of=/s/big bs=1M count={size_mib} conv=fsync 2>/dev/null||exit 4;m write;",
        drop, "a=$(t);dd if=/s/big of=/dev/null bs=1M 2>/dev/null||exit 5;m read;",
        "mkdir /s/d||exit 6;a=$(t);", loop.replace("BODY", "echo $i >/s/d/f$i||exit 7"), ";m create;",
        drop, "a=$(t);", loop.replace("BODY", "[ -f /s/d/f$i ]||exit 8"), ";m stat;",
        drop, "a=$(t);", loop.replace("BODY", "read x </s/d/f$i||exit 9"), ";m readall",
    ])


def vmlet_cmdline(args, share, script):
    out = subprocess.run([args.vmlet, "boot", "--print-cmdline", "--share", f"{share}:{TAG}", "--", "sh", "-c", script],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def without_virtio_mmio(cmdline):
    return " ".join(word for word in cmdline.split(" ") if not word.startswith("virtio_mmio.device="))


def insert_before_command(cmdline, entries):
    head, separator, tail = cmdline.partition(" -- ")
    return f"{head} {' '.join(entries)}{separator}{tail}"


def qemu_command(args, cmdline, socket, auto_cmdline):
    # virtiofsd (libvhost-user) serves modern virtio only, and microvm's virtio-mmio is legacy
    # unless told otherwise.
    machine = "microvm,acpi=off,memory-backend=mem" + ("" if auto_cmdline else ",auto-kernel-cmdline=off")
    return ["qemu-system-x86_64", "-M", machine, "-accel", "kvm", "-cpu", "host,arch-capabilities=off",
            "-m", f"{args.memory}M", "-object", f"memory-backend-memfd,id=mem,size={args.memory}M,share=on",
            "-smp", "1", "-nodefaults", "-no-user-config", "-nographic", "-no-reboot",
            "-serial", "stdio", "-kernel", args.kernel, "-initrd", args.initrd, "-append", cmdline,
            "-global", "virtio-mmio.force-legacy=false", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x01",
            "-chardev", f"socket,id=fs0,path={socket}", "-device", f"vhost-user-fs-device,chardev=fs0,tag={TAG}",
            "-object", "rng-random,id=rng0,filename=/dev/urandom", "-device", "virtio-rng-device,rng=rng0"]


class Virtiofsd:
    """virtiofsd serving `share` on a socket of its own, for one QEMU boot."""

    def __init__(self, args, share):
        self.socket = os.path.join(args.workdir, "virtiofsd.sock")
        if os.path.exists(self.socket):
            os.unlink(self.socket)
        self.process = subprocess.Popen([args.virtiofsd, f"--socket-path={self.socket}", "-o", f"source={share}", "-o", "cache=auto"],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(200):
            if os.path.exists(self.socket):
                return
            time.sleep(0.05)
        self.stop()
        sys.exit("virtiofsd did not make its socket")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def qemu_virtio_entries(args, share):
    """QEMU microvm appends its virtio_mmio.device= entries after vmlet's `--`, where the kernel
    does not read them: boot once to read them from /proc/cmdline (as devices_measure.py does)."""
    probe = vmlet_cmdline(args, share, "cat /proc/cmdline")
    daemon = Virtiofsd(args, share)
    try:
        result = subprocess.run(qemu_command(args, without_virtio_mmio(probe), daemon.socket, True), stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=args.timeout)
    finally:
        daemon.stop()
    entries = re.findall(r"virtio_mmio\.device=\S+", result.stdout)
    if result.returncode != 1 or len(entries) != 2:
        sys.exit(f"QEMU probe boot failed (status {result.returncode}, entries {entries}): {result.stdout[-2000:]} {result.stderr[-2000:]}")
    return entries


def empty_share(share):
    shutil.rmtree(share, ignore_errors=True)
    os.makedirs(share)


def run_guest(name, command, args):
    start = time.monotonic()
    try:
        result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        sys.exit(f"{name} timed out after {args.timeout} s")
    wall = time.monotonic() - start
    expected = 1 if name == "qemu" else 0  # isa-debug-exit reports (status << 1) | 1
    values = {key: int(value) for key, value in re.findall(r"^R (\w+) (\d+)\s*$", result.stdout.replace("\r", ""), re.M)}
    if result.returncode != expected or len(values) != 5:
        sys.exit(f"{name} failed with status {result.returncode} (guest exit codes: 3 mount, 4 write, 5 read, 6-9 small files)\n"
                 f"stdout: {result.stdout[-3000:]}\nstderr: {result.stderr[-3000:]}")
    return values, wall


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vmlet", required=True)
    parser.add_argument("--kernel", required=True)
    parser.add_argument("--initrd", required=True)
    parser.add_argument("--virtiofsd", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--memory", type=int, default=256)
    parser.add_argument("--size", type=int, default=64, help="MiB: the large file")
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()

    share = os.path.join(args.workdir, "share")
    empty_share(share)
    script = guest_script(args.size, args.files)
    cmdline = vmlet_cmdline(args, share, script)
    print(f"guest command line: {len(cmdline)} bytes", flush=True)
    entries = qemu_virtio_entries(args, share)
    qemu_cmdline = insert_before_command(without_virtio_mmio(cmdline), entries)
    print(f"QEMU's virtio-mmio devices: {' '.join(entries)}", flush=True)

    vmlet = [args.vmlet, "boot", "--memory", str(args.memory), "--cpus", "1", "--kernel", args.kernel, "--initrd", args.initrd,
             "--share", f"{share}:{TAG}", "--", "sh", "-c", script]
    root = os.path.join(args.workdir, "root")
    busybox_archive(os.path.join(args.workdir, "bench.tar"), APPLETS)
    subprocess.run([args.vmlet, "--root", root, "load", "-i", os.path.join(args.workdir, "bench.tar")], check=True, capture_output=True)
    process = [args.vmlet, "--root", root, "run", "--rm", "--isolation=process", "--network", "none", "-v", f"{share}:/s", "bench:1",
               "sh", "-c", guest_script(args.size, args.files, in_vm=False)]
    results = {"vmlet": [], "qemu": [], "process": []}
    for round_index in range(args.runs):
        for name in results:
            empty_share(share)
            daemon = Virtiofsd(args, share) if name == "qemu" else None
            try:
                command = {"vmlet": vmlet, "process": process}.get(name) or qemu_command(args, qemu_cmdline, daemon.socket, False)
                values, wall = run_guest(name, command, args)
            finally:
                if daemon:
                    daemon.stop()
            results[name].append(values)
            print(f"round {round_index + 1} {name}: " + ", ".join(f"{key} {value / 1e6:.3f} s" for key, value in values.items())
                  + f" (whole boot {wall:.1f} s)", flush=True)

    mib = float(args.size)
    metrics = [  # name, key, unit, work done in the timed interval
        (f"seq write {args.size} MiB (dd bs=1M conv=fsync)", "write", "MiB/s", mib),
        (f"seq read {args.size} MiB (dd bs=1M, cold guest cache)", "read", "MiB/s", mib),
        (f"create {args.files} small files", "create", "files/s", args.files),
        (f"stat {args.files} small files (cold)", "stat", "files/s", args.files),
        (f"read {args.files} small files (cold)", "readall", "files/s", args.files),
    ]
    print()
    for label, key, unit, work in metrics:
        rate = {name: work / (statistics.median(values[key] for values in results[name]) / 1e6) for name in results}
        print(f"{label}: vmlet {rate['vmlet']:.1f} {unit}, qemu {rate['qemu']:.1f} {unit}, process {rate['process']:.1f} {unit}, "
              f"ratio vmlet/qemu {rate['vmlet'] / rate['qemu']:.2f}, process/qemu {rate['process'] / rate['qemu']:.2f}")
    print(f"(median of {args.runs} interleaved runs each; the process container's cold reads are warm host ones)")


if __name__ == "__main__":
    main()
