#!/usr/bin/env python3
"""Measures vmlet-runtime as podman's OCI runtime against runc, and runsc where it is installed.

Run by oci.sh, which makes the work directory, podman's containers.conf and store flags (passed
after --), and removes them all.
  * An image: the busybox layer of bench_containers.busybox_archive, `podman import`ed.
  * Warm: one untimed `podman run --rm IMAGE true` per runtime first; vmlet-runtime's first VM
    container builds the VM template (in WORKDIR/vmstore) that every later one restores.
  * RUNS rounds of `podman run --rm --network none IMAGE true` with each runtime, the order rotated
    each round so that neither drift nor what the previous run left behind favours one; wall time
    from podman's start to its exit, medians, and ratios to runc.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import time

from bench_containers import busybox_archive

IMAGE = "localhost/vmlet-oci-bench:1"

# podman as root asks nofile and nproc 1048576 for a container, above the hard limits its runtime
# inherits (here nofile 20000, root lacking CAP_SYS_RESOURCE, and podman lowers its own nproc to
# 32768), which runc then fails to set: ask limits every host allows, of every runtime alike.
RUN = ["run", "--rm", "--pull=never", "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]


def rootfs_tar(workdir):
    """The single layer of the bench image, as the tar `podman import` takes."""
    archive = os.path.join(workdir, "bench.tar")
    busybox_archive(archive)
    path = os.path.join(workdir, "rootfs.tar")
    with tarfile.open(archive) as saved:
        layer = next(member for member in saved.getmembers() if member.name.endswith("/layer.tar"))
        with saved.extractfile(layer) as source, open(path, "wb") as target:
            shutil.copyfileobj(source, target)
    return path


def host_kvm():
    if not os.path.exists("/dev/kvm"):
        return "no /dev/kvm"
    return "PVM /dev/kvm (kvm_pvm)" if os.path.exists("/sys/module/kvm_pvm") else "KVM /dev/kvm"


def run(command, timeout):
    started = time.monotonic()
    # A session of its own, out of reach of the terminal's ^C: a podman run cut short leaves its
    # conmon and runtime making the container (a VM template, for 20 s on PVM) in the store oci.sh
    # then removes, and the container's cgroups behind. On ^C the run under way ends first.
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        _, err = process.communicate(timeout=timeout)
    except KeyboardInterrupt:
        print("oci bench: interrupted; letting the podman run under way end", file=sys.stderr, flush=True)
        process.communicate(timeout=timeout)
        sys.exit(130)
    return time.monotonic() - started, subprocess.CompletedProcess(command, process.returncode, None, err)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--runc", required=True)
    parser.add_argument("--runsc", default="")
    # A VM container's first run builds its template: minutes under nested KVM.
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("store", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    podman = ["podman"] + [flag for flag in args.store if flag != "--"]
    vmstore = os.path.join(args.workdir, "vmstore")

    # podman import records the layer in the machine's blob info cache (/var/lib/containers/cache),
    # whatever --root says: a tmpfs in a mount namespace of its own takes the record instead.
    cache = next(path for path in ("/var/lib/containers/cache", "/var/lib/containers", "/var/lib") if os.path.isdir(path))
    subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", 'mount -t tmpfs tmpfs "$0" && exec "$@"', cache]
                   + podman + ["import", "--quiet", rootfs_tar(args.workdir), IMAGE], check=True, stdout=subprocess.DEVNULL)

    # podman's --runtime-flag goes to every runtime, and runc refuses flags it does not know.
    vmlet = ["--runtime", "vmlet-runtime", "--runtime-flag", f"vm-store={vmstore}"]
    commands = {"runc": podman + ["--runtime", args.runc] + RUN + [IMAGE, "true"]}
    skipped = {}
    if os.path.exists("/dev/kvm"):
        commands["vmlet-vm"] = podman + vmlet + RUN + [IMAGE, "true"]
    else:
        skipped["vmlet-vm"] = "no /dev/kvm on this host"
    commands["vmlet-process"] = podman + vmlet + RUN + ["--annotation", "io.vmlet.isolation=process", IMAGE, "true"]
    if args.runsc:
        # gVisor refuses to run in the host's network namespace, which podman's --network none
        # leaves the container in; its own --network=none gives it none.
        commands["runsc"] = podman + ["--runtime", args.runsc, "--runtime-flag", "network=none"] + RUN + [IMAGE, "true"]
    else:
        skipped["runsc"] = "runsc is not installed (not on PATH)"

    for name, command in list(commands.items()):
        elapsed, result = run(command, args.timeout)
        if result.returncode != 0:
            if name == "runsc":
                skipped[name] = f"its first run failed with status {result.returncode}: {result.stderr.strip()}"
                del commands[name]
                continue
            sys.exit(f"{name}: the untimed first run failed with status {result.returncode}: {result.stderr.strip()}")
        built = " (builds the VM template)" if name == "vmlet-vm" else ""
        print(f"untimed first run {name}: {elapsed:.3f} s{built}", flush=True)
    templates = os.path.join(vmstore, "templates")
    if "vmlet-vm" in commands and not (os.path.isdir(templates) and os.listdir(templates)):
        print("vmlet-runtime built no VM template: the vm row is booted, not warm", flush=True)

    names = list(commands)
    times = {name: [] for name in names}
    for round_index in range(args.runs):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            elapsed, result = run(commands[name], args.timeout)
            if result.returncode != 0:
                sys.exit(f"{name} run {round_index + 1} failed with status {result.returncode}: {result.stderr.strip()}")
            times[name].append(elapsed)
            print(f"round {round_index + 1} {name}: {elapsed:.3f} s", flush=True)

    median = {name: statistics.median(times[name]) for name in names}
    print()
    print(f"{time.strftime('%Y-%m-%d')}, {host_kvm()}, {os.cpu_count()} CPUs")
    print(f"`podman run --rm IMAGE true` (median of {args.runs}): " + "   ".join(f"{name} {median[name]:.3f} s" for name in names))
    for name in ("vmlet-vm", "vmlet-process", "runsc"):
        if name in median:
            print(f"ratio {name}/runc {median[name] / median['runc']:.2f}")
        else:
            print(f"{name}: not measured: {skipped[name]}")


if __name__ == "__main__":
    main()
