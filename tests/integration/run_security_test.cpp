// What process isolation keeps from the host, through `vmlet run` and `vmlet exec` on the images of
// run_test.cpp. vm isolation skips these: there the VM is the boundary, and the guest's kernel is
// not the host's.
#include "tests/integration/run_test.h"

#include "tests/support/command.h"
#include "tests/support/host_devices.h"
#include "tests/support/oci_image_builder.h"

#include <gtest/gtest.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace vmlet::test {

namespace {

constexpr const char* kProcessOnly = "process isolation only: a VM container's boundary is the VM";

// A shell script that makes nodes of the host's block device `disk` and tries to read them, then
// uses the container's own devices.
std::string device_probe(dev_t disk)
{
    auto numbers = std::to_string(major(disk)) + " " + std::to_string(minor(disk));
    return "mknod /tmp/disk b " + numbers + " && head -c 512 /tmp/disk | wc -c; "
           "mknod /dev/disk b " + numbers + " && head -c 512 /dev/disk | wc -c; "
           "mknod /tmp/kmsg c 1 11 && head -c 64 /tmp/kmsg; "
           // A node of an allowed device outside /dev: made, but not opened (nodev).
           "mknod /tmp/null c 1 3 && echo made; echo x > /tmp/null; "
           "head -c 4 /dev/urandom | wc -c; echo x > /dev/null && echo null ok";
}

}

TEST_P(RunTest, TheContainerCanNeitherMakeNorOpenTheHostsDevices)
{
    if (GetParam() != "process")
        GTEST_SKIP() << kProcessOnly;
    auto disk = openable_block_device();
    if (!disk)
        GTEST_SKIP() << "this host lets the test open none of its block devices";
    // Docker's default capabilities keep CAP_MKNOD: the device cgroup refuses the nodes (EPERM),
    // and the mounts outside /dev are nodev (EACCES).
    const std::string confined = "mknod: /tmp/disk: Operation not permitted\nmknod: /dev/disk: Operation not permitted\n"
                                 "mknod: /tmp/kmsg: Operation not permitted\nmade\nsh: can't create /tmp/null: Permission denied\n"
                                 "4\nnull ok\n";
    auto result = run({ "--rm", "app:1", "sh", "-c", "{ " + device_probe(*disk) + "; } 2>&1" });
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, confined);
    // The capability asked for explicitly, and alone: the cgroup still refuses.
    auto with_mknod = run({ "--rm", "--cap-drop", "ALL", "--cap-add", "MKNOD", "app:1", "sh", "-c", "{ " + device_probe(*disk) + "; } 2>&1" });
    EXPECT_EQ(with_mknod.out, confined) << with_mknod.err;
}

TEST_P(RunTest, ProcAndSysHideWhatDockerHidesUnlessPrivileged)
{
    if (GetParam() != "process")
        GTEST_SKIP() << kProcessOnly;
    // A masked file reads empty and a masked directory lists nothing (moby's maskedPaths); /proc/sys
    // refuses writes (readonlyPaths). The write tried is the hostname's, which would stay in the
    // container's UTS namespace should the mount let it through.
    const std::string probe = "{ wc -c < /proc/interrupts; ls -A /sys/firmware | wc -l; "
                              "echo changed > /proc/sys/kernel/hostname; hostname; } 2>&1";
    auto masked = run({ "--rm", "--hostname", "box", "app:1", "sh", "-c", probe });
    EXPECT_EQ(masked.out, "0\n0\nsh: can't create /proc/sys/kernel/hostname: Read-only file system\nbox\n") << masked.err;
    // Also for a process vmlet exec starts: the masks are mounts in the container's namespace.
    ASSERT_EQ(run({ "-d", "--name", "masked", "app:1", "sleep", "60" }).exit_code, 0);
    EXPECT_EQ(vmlet({ "exec", "masked", "sh", "-c", "wc -c < /proc/interrupts" }).out, "0\n");
    EXPECT_EQ(vmlet({ "rm", "-f", "masked" }).exit_code, 0);
    // --privileged has none of them, as Docker's.
    auto privileged = run({ "--rm", "--privileged", "--hostname", "box", "app:1", "sh", "-c",
        "grep -q CPU0 /proc/interrupts && echo shown; ls -A /sys/firmware | grep -c .; echo changed > /proc/sys/kernel/hostname; hostname" });
    EXPECT_EQ(privileged.out, "shown\n" + std::to_string(std::distance(std::filesystem::directory_iterator("/sys/firmware"), {})) + "\nchanged\n")
        << privileged.err;
}

TEST_P(RunTest, ExecHandsTheContainerOnlyTheStandardStreams)
{
    if (GetParam() != "process")
        GTEST_SKIP() << kProcessOnly;
    ASSERT_EQ(run({ "-d", "--name", "fds", "app:1", "sleep", "60" }).exit_code, 0);
    // The caller holds a descriptor that is not close-on-exec, bash's `exec 20<`: the host's root
    // directory, the kind of descriptor that reached the container in runc's CVE-2024-21626.
    // Inside, ls sees 0, 1, 2 and the descriptor it opened itself to list the directory.
    auto listed = run_command({ "bash", "-c", "exec 20</; exec \"$0\" --root \"$1\" exec fds ls /proc/self/fd", vmlet_binary(), s_store->root() },
        std::chrono::seconds(60));
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    EXPECT_EQ(listed.out, "0\n1\n2\n3\n");
    EXPECT_EQ(vmlet({ "rm", "-f", "fds" }).exit_code, 0);
}

}

namespace vmlet::test {

namespace {

// The capability lines of /proc/self/status, as the container's command sees them.
constexpr const char* kCapabilityLines = "grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status | tr -s '\\t' ' '";

std::string capability_lines(const std::string& mask)
{
    return "CapInh: 0000000000000000\nCapPrm: " + mask + "\nCapEff: " + mask + "\nCapBnd: " + mask + "\nCapAmb: 0000000000000000\n";
}

}

TEST_P(RunTest, CapabilitiesAreDockersDefaultsChangedByCapAddAndCapDrop)
{
    if (GetParam() != "process")
        GTEST_SKIP() << kProcessOnly;
    // Docker's fourteen; nothing inheritable or ambient, so nothing passes to a program by inheritance.
    auto defaults = run({ "--rm", "app:1", "sh", "-c", kCapabilityLines });
    EXPECT_EQ(defaults.out, capability_lines("00000000a80425fb")) << defaults.err;
    // NET_ADMIN (12) in, MKNOD (27) and NET_RAW (13) out; Docker's names, any case, CAP_ optional.
    auto changed = run({ "--rm", "--cap-add", "net_admin", "--cap-drop", "CAP_MKNOD", "--cap-drop", "NET_RAW", "app:1", "sh", "-c", kCapabilityLines });
    EXPECT_EQ(changed.out, capability_lines("00000000a00415fb")) << changed.err;
    // ALL dropped: nothing at all, for exec'd processes too.
    ASSERT_EQ(run({ "-d", "--name", "bare", "--cap-drop", "ALL", "app:1", "sleep", "60" }).exit_code, 0);
    auto exec = vmlet({ "exec", "bare", "sh", "-c", kCapabilityLines });
    EXPECT_EQ(exec.out, capability_lines("0000000000000000")) << exec.err;
    EXPECT_NE(vmlet({ "exec", "bare", "chown", "1:1", "/tmp" }).exit_code, 0);
    EXPECT_EQ(vmlet({ "rm", "-f", "bare" }).exit_code, 0);
    // A user other than root holds none, whatever the set (setuid(2) empties them).
    auto user = run({ "--rm", "-u", "app", "--cap-add", "ALL", "app:1", "sh", "-c", "grep CapEff /proc/self/status" });
    EXPECT_EQ(user.out, "CapEff:\t0000000000000000\n") << user.err;

    auto unknown = run({ "--rm", "--cap-add", "SUPERPOWER", "app:1", "true" });
    EXPECT_EQ(unknown.exit_code, 125);
    EXPECT_EQ(unknown.err, "vmlet: --cap-add: unknown capability: \"CAP_SUPERPOWER\"\n");
}

TEST_P(RunTest, VmIsolationRefusesTheRestrictionsItWouldNotApply)
{
    // The refusal comes before any VM: run from the process instance, which needs no KVM.
    if (GetParam() != "process")
        GTEST_SKIP() << "checked without a VM by the process instance";
    auto refused = vmlet({ "run", "--isolation", "vm", "--rm", "--cap-drop", "ALL", "app:1", "true" });
    EXPECT_EQ(refused.exit_code, 125);
    EXPECT_EQ(refused.err, "vmlet: vm isolation does not apply --cap-drop (the VM is the container's boundary there): use --isolation=process\n");
    EXPECT_EQ(vmlet({ "ps", "-a", "-q" }).out, "") << "a refused run left a container";
}

}

namespace vmlet::test {

namespace {

}

TEST_P(RunTest, SeccompAndNoNewPrivsByDefault)
{
    if (GetParam() != "process")
        GTEST_SKIP() << kProcessOnly;
    load_probe_image(s_store->root(), "syscall_probe.c", "/bin/probe", "probe:1");
    const std::string status = "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status | tr -s '\\t' ' '";
    auto confined = run({ "--rm", "app:1", "sh", "-c", status });
    EXPECT_EQ(confined.out, "NoNewPrivs: 1\nSeccomp: 2\n") << confined.err;
    // Docker's default profile: no user namespace, no keyring, no BPF, no vsock to the host.
    auto refused = run({ "--rm", "probe:1", "sh", "-c", "unshare -U true; probe keyctl add_key bpf vsock" });
    EXPECT_EQ(refused.out, "keyctl: Operation not permitted\nadd_key: Operation not permitted\nbpf: Operation not permitted\nvsock: Operation not permitted\n");
    EXPECT_EQ(refused.err, "unshare: unshare(0x10000000): Operation not permitted\n");
    // `vmlet exec` joins under the same filter and no_new_privs.
    ASSERT_EQ(run({ "-d", "--name", "filtered", "probe:1", "sleep", "60" }).exit_code, 0);
    EXPECT_EQ(vmlet({ "exec", "filtered", "sh", "-c", status }).out, "NoNewPrivs: 1\nSeccomp: 2\n");
    EXPECT_EQ(vmlet({ "exec", "filtered", "probe", "keyctl" }).out, "keyctl: Operation not permitted\n");
    EXPECT_EQ(vmlet({ "rm", "-f", "filtered" }).exit_code, 0);

    // Asked otherwise: no filter (the keyring answers), or no no_new_privs.
    auto unconfined = run({ "--rm", "--security-opt", "seccomp=unconfined", "probe:1", "sh", "-c", status + "; probe keyctl" });
    EXPECT_EQ(unconfined.out, "NoNewPrivs: 1\nSeccomp: 0\nkeyctl: ok\n") << unconfined.err;
    auto privileges = run({ "--rm", "--security-opt", "no-new-privileges=false", "app:1", "sh", "-c", status });
    EXPECT_EQ(privileges.out, "NoNewPrivs: 0\nSeccomp: 2\n") << privileges.err;
    // A capability brings back what it governs: CAP_SYS_ADMIN, unshare.
    auto admin = run({ "--rm", "--cap-add", "SYS_ADMIN", "app:1", "sh", "-c", "unshare -U true" });
    EXPECT_EQ(admin.exit_code, 0) << admin.err;
}

}

namespace vmlet::test {

TEST_P(RunTest, SeccompProfileFromAFileForRunAndExec)
{
    if (GetParam() != "process")
        GTEST_SKIP() << kProcessOnly;
    TemporaryDirectory scratch;
    // Everything allowed but making directories, which fails with EACCES.
    std::ofstream(scratch.file("no-mkdir.json")) << R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]})";
    auto profile = "seccomp=" + scratch.file("no-mkdir.json");
    auto result = run({ "--rm", "--security-opt", profile, "app:1", "sh", "-c", "grep Seccomp: /proc/self/status; mkdir /tmp/d" });
    EXPECT_EQ(result.out, "Seccomp:\t2\n");
    EXPECT_EQ(result.err, "mkdir: can't create directory '/tmp/d': Permission denied\n");
    // The profile was read at creation: exec applies it even once the file is gone.
    ASSERT_EQ(run({ "-d", "--name", "profiled", "--security-opt", profile, "app:1", "sleep", "60" }).exit_code, 0);
    std::filesystem::remove(scratch.file("no-mkdir.json"));
    auto exec = vmlet({ "exec", "profiled", "mkdir", "/tmp/e" });
    EXPECT_NE(exec.exit_code, 0);
    EXPECT_EQ(exec.err, "mkdir: can't create directory '/tmp/e': Permission denied\n");
    EXPECT_EQ(vmlet({ "rm", "-f", "profiled" }).exit_code, 0);

    std::ofstream(scratch.file("bad.json")) << R"({"defaultAction": "SCMP_ACT_SOMETIMES"})";
    auto bad = run({ "--rm", "--security-opt", "seccomp=" + scratch.file("bad.json"), "app:1", "true" });
    EXPECT_EQ(bad.exit_code, 125);
    EXPECT_EQ(bad.err, "vmlet: the seccomp profile: unknown seccomp action \"SCMP_ACT_SOMETIMES\"\n");
    EXPECT_EQ(vmlet({ "ps", "-a", "-q" }).out, "") << "a refused run left a container";
}

}

namespace vmlet::test {

TEST_P(RunTest, ReadOnlyRootRefusesWritesForRunAndExec)
{
    if (GetParam() != "process")
        GTEST_SKIP() << kProcessOnly;
    // Docker's --read-only: the root, /tmp with it, and the files vmlet binds into /etc refuse
    // writes; /dev (a tmpfs) and /dev/shm stay writable. The root stays nodev, too (its first two
    // options in /proc/mounts).
    const std::string probe = "{ touch /x; touch /tmp/x; echo 1 > /etc/hosts; echo shm > /dev/shm/x && cat /dev/shm/x; "
                              "echo > /dev/null && echo null; awk '$2 == \"/\" { split($4, o, \",\"); print o[1], o[2] }' /proc/mounts; } 2>&1";
    auto read_only = run({ "--rm", "--read-only", "app:1", "sh", "-c", probe });
    EXPECT_EQ(read_only.out, "touch: /x: Read-only file system\ntouch: /tmp/x: Read-only file system\n"
                             "sh: can't create /etc/hosts: Read-only file system\nshm\nnull\nro nodev\n") << read_only.err;
    // A process vmlet exec starts meets the same root.
    ASSERT_EQ(run({ "-d", "--name", "frozen", "--read-only", "app:1", "sleep", "60" }).exit_code, 0);
    auto exec = vmlet({ "exec", "frozen", "touch", "/y" });
    EXPECT_NE(exec.exit_code, 0);
    EXPECT_EQ(exec.err, "touch: /y: Read-only file system\n");
    EXPECT_EQ(vmlet({ "rm", "-f", "frozen" }).exit_code, 0);
    // Without it, the same writes go through.
    auto writable = run({ "--rm", "app:1", "sh", "-c", "touch /x /tmp/x && echo 1 >> /etc/hosts && echo written" });
    EXPECT_EQ(writable.out, "written\n") << writable.err;
}

}

namespace vmlet::test {

TEST_P(RunTest, TheContainersCgroupsAreTheRootOfItsCgroupNamespace)
{
    if (GetParam() != "process")
        GTEST_SKIP() << kProcessOnly;
    // Each hierarchy's line of /proc/self/cgroup reads "/" (cgroup_namespaces(7)): where the
    // container's cgroups sit in the host's hierarchy (vmlet/<id> below vmlet's own) is hidden.
    const std::string paths = "cut -d: -f3 /proc/self/cgroup | sort -u";
    auto first = run({ "--rm", "app:1", "sh", "-c", paths });
    EXPECT_EQ(first.out, "/\n") << first.err;
    // vmlet exec joins the first process's namespace (pid 1's, one line once uniq), not the host's.
    ASSERT_EQ(run({ "-d", "--name", "scoped", "app:1", "sleep", "60" }).exit_code, 0);
    auto exec = vmlet({ "exec", "scoped", "sh", "-c", paths + "; for pid in self 1; do readlink /proc/$pid/ns/cgroup; done | uniq | wc -l" });
    EXPECT_EQ(exec.out, "/\n1\n") << exec.err;
    char host[64] {};
    ASSERT_GT(::readlink("/proc/self/ns/cgroup", host, sizeof host - 1), 0);
    EXPECT_NE(vmlet({ "exec", "scoped", "readlink", "/proc/self/ns/cgroup" }).out, std::string(host) + "\n")
        << "the container shares the host's cgroup namespace";
    EXPECT_EQ(vmlet({ "rm", "-f", "scoped" }).exit_code, 0);
}

}
