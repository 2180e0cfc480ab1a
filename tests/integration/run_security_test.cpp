// What process isolation keeps from the host, through `vmlet run` and `vmlet exec` on the images of
// run_test.cpp. vm isolation skips these: there the VM is the boundary, and the guest's kernel is
// not the host's.
#include "tests/integration/run_test.h"

#include "tests/support/command.h"

#include <gtest/gtest.h>

namespace vmlet::test {

namespace {

constexpr const char* kProcessOnly = "process isolation only: a VM container's boundary is the VM";

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
