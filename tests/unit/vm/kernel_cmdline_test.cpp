#include "vmm/vm/kernel_cmdline.h"

#include <gtest/gtest.h>

namespace vmlet {

TEST(KernelCommandLine, EncodesArgumentsSoTheKernelPassesThemThroughUnchanged)
{
    EXPECT_EQ(encode_init_argument("echo"), "echo");
    EXPECT_EQ(encode_init_argument("exit 7"), "exit%207");
    EXPECT_EQ(encode_init_argument("a=\"b\"%"), "a%3D%22b%22%25");
    EXPECT_EQ(encode_init_argument(""), "%00");
    EXPECT_EQ(encode_init_argument("/usr/bin/x-y_z.1:2,3+@"), "/usr/bin/x-y_z.1:2,3+@");
}

TEST(KernelCommandLine, AddsPvmFlagsOnlyOnPvmHosts)
{
    auto kvm = build_kernel_command_line(HostKind::Kvm, "", { "sh", "-c", "exit 7" });
    ASSERT_TRUE(kvm.ok());
    EXPECT_EQ(kvm.value(), "console=ttyS0 reboot=k panic=-1 quiet -- sh -c exit%207");
    auto pvm = build_kernel_command_line(HostKind::Pvm, "loglevel=7", {});
    ASSERT_TRUE(pvm.ok());
    EXPECT_NE(pvm.value().find("clearcpuid="), std::string::npos);
    EXPECT_NE(pvm.value().find(" vmlet.pvm loglevel=7"), std::string::npos);
    EXPECT_EQ(pvm.value().find(" --"), std::string::npos);
}

TEST(KernelCommandLine, RefusesMoreArgumentsThanInitCanReceive)
{
    std::vector<std::string> command(kMaxInitArguments + 1, "x");
    auto line = build_kernel_command_line(HostKind::Kvm, "", command);
    ASSERT_FALSE(line.ok());
    EXPECT_NE(line.error().message().find("at most 31"), std::string::npos);
}

}
