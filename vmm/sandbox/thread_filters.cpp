#include "vmm/sandbox/thread_filters.h"

#include "vmm/kvm/kvm_abi.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/futex.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <sched.h>

#include <csignal>

// The lists come from strace -f of vmlet-vmm boot and restore runs with every device (a disk
// written, discarded and flushed, --net auto with traffic, vsock connections both ways, the
// virtio console and the 8250 with input, the entropy device) and the control socket (status,
// pause, resume, a snapshot, stop), each thread's calls from where its filter goes on to its
// exit; and from reading the paths a guest or a client can drive and a trace does not show
// (device resets and failures, errors). A call missing here kills the VM with SIGSYS, and the
// kernel logs its number (audit type=1326 in dmesg).

namespace vmlet {

namespace {

// Futex operations without their private and clock flags: what glibc's locks, condition
// variables and thread joins and libstdc++'s futures use. The priority-inheritance and requeue
// operations, a long source of kernel bugs, are left out.
constexpr uint32_t kFutexFlags = FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME;

// What any thread of a C++ program does without being asked: allocate memory (brk, and mmap and
// mprotect, never executable: a thread taken over cannot map code of its own), give memory back
// (munmap; madvise(MADV_DONTNEED), as glibc trims its arenas and frees a thread's stack), wait
// and wake (futex), return from a signal handler and block signals (glibc does around a thread's
// start and end), read the clock when the vDSO cannot, resume a call a signal interrupted, write
// an error message, close what it is done with, and end.
void allow_runtime(SeccompFilter& filter)
{
    filter.allow(SYS_brk)
        .allow_if_argument(SYS_mmap, 2, { 0 }, PROT_EXEC)
        .allow_if_argument(SYS_mprotect, 2, { 0 }, PROT_EXEC)
        .allow(SYS_munmap)
        .allow_if_argument(SYS_madvise, 2, { MADV_DONTNEED })
        .allow_if_argument(SYS_futex, 1, { FUTEX_WAIT, FUTEX_WAKE, FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET }, ~kFutexFlags)
        .allow(SYS_rt_sigreturn)
        .allow(SYS_rt_sigprocmask)
        .allow(SYS_clock_gettime)
        .allow(SYS_restart_syscall)
        .allow(SYS_write)
        .allow(SYS_close)
        .allow(SYS_exit)
        .allow(SYS_exit_group);
}

// The main thread, once the VM's threads run: it waits (poll) on the stop eventfd, the signalfd
// (SIGINT, SIGTERM, SIGHUP), standard input and the control socket, and reads them; it kicks
// vCPUs (tgkill, SIGUSR1, to this process only) and joins its threads at the end. Its KVM ioctls
// are those a snapshot reads the paused VM with (the MSR list it saves was found before, on a
// scratch vCPU) and KVM_IRQ_LINE, as console input raises the 8250's interrupt; TCSETS gives the
// terminal back its settings at the exit (and TCGETS, as tcsetattr reads them back). A snapshot makes its directory and files (mkdir,
// openat, ftruncate, pwrite64 of the pages mincore finds, rename) or looks into an existing
// directory (newfstatat, getdents64; fcntl F_GETFL and F_SETFD, as fdopendir checks the
// descriptor and marks it close-on-exec), and on failure removes them; the exit removes the
// control and vsock sockets (unlink).
void allow_main(SeccompFilter& filter, pid_t pid)
{
    filter.allow(SYS_read)
        .allow(SYS_poll)
        .allow(SYS_accept4)
        .allow(SYS_recvfrom)
        .allow(SYS_sendto)
        .allow(SYS_getpid)
        .allow_if(SYS_tgkill, { { { 0, uint32_t(pid) }, { 2, SIGUSR1 } } })
        .allow_if_argument(SYS_ioctl, 1,
            { KVM_GET_REGS, KVM_GET_SREGS, KVM_GET_FPU, kKvmGetXsave, kKvmGetXsave2, KVM_GET_XCRS, KVM_GET_DEBUGREGS, KVM_GET_LAPIC,
                kKvmGetMsrs, KVM_GET_VCPU_EVENTS, KVM_GET_MP_STATE, KVM_GET_IRQCHIP, KVM_GET_PIT2, KVM_GET_CLOCK, KVM_IRQ_LINE, TCSETS, TCGETS })
        .allow(SYS_openat)
        .allow(SYS_newfstatat)
        .allow(SYS_getdents64)
        .allow_if_argument(SYS_fcntl, 1, { F_GETFL, F_SETFD })
        .allow(SYS_mkdir)
        .allow(SYS_ftruncate)
        .allow(SYS_mincore)
        .allow(SYS_pwrite64)
        .allow(SYS_rename)
        .allow(SYS_unlink)
        .allow(SYS_rmdir)
        .allow(SYS_getrusage);
}

// A vCPU thread: KVM_RUN, and what the devices do on it when the guest touches their registers.
// The 8250 writes output (waiting at most 100 ms for a reader that fell behind: poll,
// devices/console_output.h) and raises its interrupt (KVM_IRQ_LINE); a virtio driver's DRIVER_OK
// sets a tap's offloads (TUNSETOFFLOAD) and has the net device watch its tap (epoll_ctl), a device
// reset drops vsock connections (epoll_ctl, close); the stop, interrupt and notify eventfds are
// written; a guest failure reads the registers for its message (KVM_GET_REGS).
void allow_vcpu(SeccompFilter& filter)
{
    filter.allow_if_argument(SYS_ioctl, 1, { KVM_RUN, KVM_IRQ_LINE, KVM_GET_REGS, TUNSETOFFLOAD }).allow(SYS_epoll_ctl).allow(SYS_poll);
}

// The device thread: the event loop (epoll_wait, epoll_ctl, eventfds) and the back-ends. Block
// reads and writes straight between the image and guest buffers (preadv, pwritev), flushes
// (fdatasync) and discards (fallocate punching holes, nothing else); net reads and writes frames
// on the tap (read, writev); the entropy device reads getrandom; the virtio console writes
// output (and polls, as the 8250 does on a vCPU); vsock accepts host clients, connects guest connections to host listeners (socket,
// AF_UNIX only; connect), and moves bytes (read, readv, sendmsg, sendto, shutdown).
void allow_device(SeccompFilter& filter)
{
    filter.allow(SYS_epoll_wait)
        .allow(SYS_epoll_ctl)
        .allow(SYS_read)
        .allow(SYS_readv)
        .allow(SYS_writev)
        .allow(SYS_preadv)
        .allow(SYS_pwritev)
        .allow(SYS_fdatasync)
        .allow_if_argument(SYS_fallocate, 1, { FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE })
        .allow(SYS_getrandom)
        .allow_if_argument(SYS_socket, 0, { AF_UNIX })
        .allow(SYS_connect)
        .allow(SYS_accept4)
        .allow(SYS_sendmsg)
        .allow(SYS_sendto)
        .allow(SYS_shutdown)
        .allow(SYS_poll);
}

// The device thread of a VM with a share (devices/fs): its FUSE server looks names up one at a
// time beneath a directory descriptor (openat2), reopens files through /proc/self/fd (openat),
// reads attributes (newfstatat, fstatfs, readlinkat, faccessat2 with the caller's IDs), changes
// them (fchmodat, fchownat, utimensat, ftruncate), makes and removes entries (mkdirat, mknodat,
// symlinkat, linkat, unlinkat, renameat2), reads directories (lseek, getdents64), does file I/O
// (preadv, pwritev, fsync, fdatasync, lseek, fallocate: allocating, punching holes and zeroing),
// duplicates an export's directory descriptor (fcntl F_DUPFD_CLOEXEC), takes each caller's IDs
// (setfsuid, setfsgid) and gives itself a umask of its own once (unshare CLONE_FS, umask).
void allow_file_server(SeccompFilter& filter)
{
    filter.allow(SYS_openat2)
        .allow(SYS_openat)
        .allow(SYS_newfstatat)
        .allow(SYS_fstatfs)
        .allow(SYS_readlinkat)
        .allow(SYS_faccessat2)
        .allow(SYS_fchmodat)
        .allow(SYS_fchownat)
        .allow(SYS_utimensat)
        .allow(SYS_ftruncate)
        .allow(SYS_mkdirat)
        .allow(SYS_mknodat)
        .allow(SYS_symlinkat)
        .allow(SYS_linkat)
        .allow(SYS_unlinkat)
        .allow(SYS_renameat2)
        .allow(SYS_lseek)
        .allow(SYS_getdents64)
        .allow(SYS_fsync)
        .allow_if_argument(SYS_fallocate, 1,
            { 0, FALLOC_FL_KEEP_SIZE, FALLOC_FL_ZERO_RANGE, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE })
        .allow_if_argument(SYS_fcntl, 1, { F_DUPFD_CLOEXEC })
        .allow(SYS_setfsuid)
        .allow(SYS_setfsgid)
        .allow_if_argument(SYS_unshare, 0, { CLONE_FS })
        .allow(SYS_umask);
}

}

std::vector<sock_filter> thread_filter(ThreadKind kind, pid_t pid, bool file_server)
{
    SeccompFilter filter;
    allow_runtime(filter);
    switch (kind) {
    case ThreadKind::Main:
        allow_main(filter, pid);
        break;
    case ThreadKind::Vcpu:
        allow_vcpu(filter);
        break;
    case ThreadKind::Device:
        allow_device(filter);
        if (file_server)
            allow_file_server(filter);
        break;
    }
    return filter.compile();
}

}
