// What process isolation keeps from the host, through `vmlet run` and `vmlet exec` on the images of
// run_test.cpp. vm isolation skips these: there the VM is the boundary, and the guest's kernel is
// not the host's.
#include "tests/integration/run_test.h"

#include "tests/support/command.h"
#include "tests/support/host_devices.h"

#include <gtest/gtest.h>
#include <sys/sysmacros.h>

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
    auto result = run({ "--rm", "app:1", "sh", "-c", "{ " + device_probe(*disk) + "; } 2>&1" });
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out,
        "mknod: /tmp/disk: Operation not permitted\nmknod: /dev/disk: Operation not permitted\n"
        "mknod: /tmp/kmsg: Operation not permitted\nmade\nsh: can't create /tmp/null: Permission denied\n"
        "4\nnull ok\n");
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
