#!/bin/sh
# PID 1 of the nested-KVM VM (see scripts/nested-kvm.sh): load KVM, mount the host's root
# filesystem over virtio-9p, run the requested command in it, report its status, power off.
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for module in $(cat /lib/modules/order); do
  insmod "/lib/modules/$module.ko" || echo "nested-kvm: cannot load $module"
done
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=none hostroot /host || echo "nested-kvm: cannot mount the host root"
mount -t devtmpfs dev /host/dev
mount -t proc proc /host/proc
mount -t sysfs sys /host/sys
# cgroup v2, for process-isolation containers run in this VM (scripts/bench/containers.sh).
mount -t cgroup2 cgroup2 /host/sys/fs/cgroup || echo "nested-kvm: cannot mount cgroup2"
# Scratch space in the VM's own memory, as TMPDIR: test files (disk images, AF_UNIX sockets, which
# 9p cannot hold) stay off the host's filesystem and off 9p's slow path.
mkdir -p /host/dev/shm && mount -t tmpfs -o size=2g,mode=1777 tmpfs /host/dev/shm
# /run in the VM's memory too: runtimes keep sockets and fifos there (containerd's shims in
# /run/containerd/s whatever their daemon's state directory; vmlet-runtime's default --root).
mount -t tmpfs -o mode=0755 tmpfs /host/run
mkdir -p -m 1777 /host/run/lock   # the tests' host lock (tests/support/host_lock.cpp), as Debian's /run/lock
# Pseudo-terminals, for tests that give vmlet a terminal (run -t).
mkdir -p /host/dev/pts && mount -t devpts -o newinstance,ptmxmode=0666 devpts /host/dev/pts
[ -e /dev/kvm ] || echo "nested-kvm: the VM has no /dev/kvm"
# The loopback interface, for tests that publish a container's port on 127.0.0.1.
chroot /host /usr/sbin/ip link set lo up || echo "nested-kvm: cannot bring up lo"
command=$(sed -n 's/.*nested.cmd=\([^ ]*\).*/\1/p' /proc/cmdline | base64 -d)
directory=$(sed -n 's/.*nested.cwd=\([^ ]*\).*/\1/p' /proc/cmdline | base64 -d)
# Keep one idle KVM VM (with a vCPU and an in-kernel local APIC) open for this VM's whole life.
# KVM flips static keys when the first VM or local APIC comes and the last goes: preempt notifiers
# in __schedule (kvm_create_vm, kvm_destroy_vm), apic_sw_disabled in KVM's own code. Each flip
# patches live kernel text with int3 (text_poke_bp), and QEMU 7.2's multi-threaded TCG sometimes
# keeps executing a stale translation with the int3 after the patch is done: both CPUs then take
# int3 at `__schedule+0x2ab` forever (seen 2026-12-02 in `info registers`; the jump-table entry
# there is preempt_notifier_key). With this VM held the keys stay on, so a test's VM coming and
# going patches nothing.
chroot /host /usr/bin/python3 -c '
import fcntl, os, signal
KVM_CREATE_VM, KVM_CREATE_IRQCHIP, KVM_CREATE_VCPU = 0xAE01, 0xAE60, 0xAE41
vm = fcntl.ioctl(os.open("/dev/kvm", os.O_RDWR), KVM_CREATE_VM, 0)
fcntl.ioctl(vm, KVM_CREATE_IRQCHIP, 0)
fcntl.ioctl(vm, KVM_CREATE_VCPU, 0)
signal.pause()' || echo "nested-kvm: cannot hold a KVM VM open" &
echo NESTED-KVM-BEGIN
# A heartbeat on the console: scripts/nested-kvm.sh takes its absence as a stalled kernel.
(while sleep 20; do echo NESTED-KVM-ALIVE; done) &
chroot /host /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TMPDIR=/dev/shm \
  /bin/sh -c "cd '$directory' && $command"
echo "NESTED-KVM-EXIT=$?"
poweroff -f
