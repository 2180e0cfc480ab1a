"""What the container benchmarks share: a busybox image made here, and the host memory of a
running container measured as the PSS of its whole process tree (scripts/bench/containers.sh,
scripts/bench/warmstart.sh)."""
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile


def busybox_archive(path, applets=("sh", "true", "sleep", "echo")):
    """A docker-save archive of one layer: /bin/busybox, `applets` as links to it, /etc/passwd."""
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as tar:
        for directory in ("bin", "etc", "tmp", "root"):
            info = tarfile.TarInfo(directory)
            info.type, info.mode = tarfile.DIRTYPE, 0o1777 if directory == "tmp" else 0o755
            tar.addfile(info)
        with open("/bin/busybox", "rb") as binary:
            data = binary.read()
        info = tarfile.TarInfo("bin/busybox")
        info.size, info.mode = len(data), 0o755
        tar.addfile(info, io.BytesIO(data))
        for applet in applets:
            info = tarfile.TarInfo("bin/" + applet)
            info.type, info.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(info)
        passwd = b"root:x:0:0:root:/root:/bin/sh\n"
        info = tarfile.TarInfo("etc/passwd")
        info.size = len(passwd)
        tar.addfile(info, io.BytesIO(passwd))
    layer_bytes = layer.getvalue()
    diff_id = hashlib.sha256(layer_bytes).hexdigest()
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["true"], "Env": ["PATH=/bin"]},
                         "rootfs": {"type": "layers", "diff_ids": ["sha256:" + diff_id]}}).encode()
    config_hex = hashlib.sha256(config).hexdigest()
    manifest = json.dumps([{"Config": config_hex + ".json", "RepoTags": ["bench:1"], "Layers": [diff_id + "/layer.tar"]}]).encode()
    with tarfile.open(path, "w") as archive:
        for name, data in ((diff_id + "/layer.tar", layer_bytes), (config_hex + ".json", config), ("manifest.json", manifest)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def descendants(pid):
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry))
            except (FileNotFoundError, ProcessLookupError):
                pass
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def pss_kib(pid):
    total = 0
    for member in descendants(pid):
        try:
            with open(f"/proc/{member}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def monitor_pid(root, name):
    """The pid of the process that runs container `name` (its record, containers/<id>/container.json)."""
    containers = os.path.join(root, "containers")
    for entry in os.listdir(containers):
        with open(os.path.join(containers, entry, "container.json")) as record_file:
            record = json.load(record_file)
        if record["name"] == name and record["state"] == "running":
            return record["monitor_pid"]
    sys.exit(f"container {name} is not running")


def qemu_true_command(vmlet, kernel, initrd, command=("true",)):
    """QEMU microvm booting the bundled guest to run `command` (default `true`), with the command
    line vmlet gives it."""
    cmdline = subprocess.run([vmlet, "boot", "--print-cmdline", "--", *command], capture_output=True, text=True, check=True).stdout.strip()
    return ["qemu-system-x86_64", "-M", "microvm,acpi=off", "-accel", "kvm", "-cpu", "host,arch-capabilities=off", "-m", "256",
            "-smp", "1", "-nodefaults", "-no-user-config", "-nographic", "-no-reboot", "-serial", "null", "-kernel", kernel,
            "-initrd", initrd, "-append", cmdline, "-device", "isa-debug-exit,iobase=0xf4,iosize=0x01"]


def bench_arguments(parser):
    """The arguments every container bench takes."""
    parser.add_argument("--vmlet", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--kernel", required=True)
    parser.add_argument("--initrd", required=True)
