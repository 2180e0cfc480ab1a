#pragma once

#include "tests/integration/vmlet_process.h"

#include <gtest/gtest.h>

#include <unistd.h>

namespace vmlet::test {

// A test that boots the bundled guest (scripts/setup.sh builds and installs it) on real KVM.
class RealGuest : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (!kvm_available())
            GTEST_SKIP() << "/dev/kvm is not available on this host: real-guest tests cannot run here";
        ASSERT_EQ(::access(bundled_kernel().c_str(), R_OK), 0) << bundled_kernel() << " is missing: run scripts/setup.sh";
        ASSERT_EQ(::access(bundled_initrd().c_str(), R_OK), 0) << bundled_initrd() << " is missing: run scripts/setup.sh";
    }

    // Every guest run has a timeout; on a PVM host a boot takes seconds of interpreted kernel code.
    ProcessResult boot(std::vector<std::string> arguments, ProcessOptions options = {})
    {
        arguments.insert(arguments.begin(), "boot");
        auto result = run_vmlet(arguments, options);
        EXPECT_FALSE(result.timed_out) << "guest did not finish in time; output so far:\n" << result.out << result.err;
        return result;
    }
};

}
