// Bad input to `vmlet boot`: each gets a one-line error naming the problem, exit status 125, and
// leaves nothing behind. These run without KVM: vmlet checks its input before it opens /dev/kvm.
#include "tests/integration/vmlet_process.h"
#include "tests/support/test_images.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <algorithm>

namespace vmlet::test {

namespace {

class BadInput : public ::testing::Test {
protected:
    // Runs vmlet in an empty working directory and checks the common contract.
    ProcessResult expect_failure(std::vector<std::string> arguments, const std::string& expected_text,
        std::map<std::string, std::string> environment = {})
    {
        auto result = run_vmlet(arguments, { .timeout = std::chrono::seconds(60), .environment = std::move(environment), .working_directory = m_workdir.path() });
        EXPECT_EQ(result.exit_code, 125) << result.err;
        EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << "not one line: " << result.err;
        EXPECT_EQ(result.err.rfind("vmlet: ", 0), 0u) << result.err;
        EXPECT_NE(result.err.find(expected_text), std::string::npos) << "expected '" << expected_text << "' in: " << result.err;
        EXPECT_TRUE(result.out.empty()) << result.out;
        EXPECT_EQ(m_workdir.entry_count(), m_files_made) << "vmlet left files behind";
        return result;
    }

    std::string make_file(const std::string& name, const std::vector<uint8_t>& bytes)
    {
        write_file(m_workdir.file(name), bytes);
        ++m_files_made;
        return m_workdir.file(name);
    }

    TemporaryDirectory m_workdir;
    size_t m_files_made { 0 };
};

}

TEST_F(BadInput, MissingKernel)
{
    expect_failure({ "boot", "--kernel", "/nonexistent/vmlinux", "--no-initrd" }, "cannot open /nonexistent/vmlinux");
}

TEST_F(BadInput, MissingInitrd)
{
    auto kernel = make_file("vmlinux", make_elf_kernel());
    expect_failure({ "boot", "--kernel", kernel, "--initrd", "/nonexistent/initrd" }, "initrd: cannot open /nonexistent/initrd");
}

TEST_F(BadInput, KernelThatIsADirectoryOrEmpty)
{
    expect_failure({ "boot", "--kernel", "/tmp", "--no-initrd" }, "/tmp is not a regular file");
    auto empty = make_file("empty", {});
    expect_failure({ "boot", "--kernel", empty, "--no-initrd" }, "is empty");
}

TEST_F(BadInput, FileThatIsNotAKernel)
{
    auto text = make_file("notes.txt", std::vector<uint8_t>(8192, 'a'));
    expect_failure({ "boot", "--kernel", text, "--no-initrd" }, "neither an ELF vmlinux nor a bzImage");
}

TEST_F(BadInput, TruncatedElfKernel)
{
    auto image = make_elf_kernel();
    image.resize(0x280);
    auto kernel = make_file("truncated", image);
    expect_failure({ "boot", "--kernel", kernel, "--no-initrd" }, "truncated");
}

TEST_F(BadInput, BzImageWithALyingHeader)
{
    auto image = make_bzimage();
    image[0x1f4] = 0xff; // syssize claims far more kernel than the file holds
    image[0x1f5] = 0xff;
    auto kernel = make_file("bzImage", image);
    expect_failure({ "boot", "--kernel", kernel, "--no-initrd" }, "header declares");
}

TEST_F(BadInput, MemoryTooSmallOrTooLarge)
{
    auto kernel = make_file("vmlinux", make_elf_kernel());
    expect_failure({ "boot", "--kernel", kernel, "--no-initrd", "--memory", "8" }, "too small");
    expect_failure({ "boot", "--kernel", kernel, "--no-initrd", "--memory", "100000000" }, "more than this host has");
}

TEST_F(BadInput, CpuCountOutOfRange)
{
    auto kernel = make_file("vmlinux", make_elf_kernel());
    expect_failure({ "boot", "--kernel", kernel, "--no-initrd", "--cpus", "0" }, "--cpus must be between 1 and 254");
    expect_failure({ "boot", "--kernel", kernel, "--no-initrd", "--cpus", "1000" }, "--cpus must be between 1 and 254");
}

TEST_F(BadInput, UnknownFlagAndBadNumber)
{
    expect_failure({ "boot", "--frobnicate" }, "unknown flag '--frobnicate' (see 'vmlet boot --help')");
    expect_failure({ "boot", "--cpus", "two" }, "invalid value 'two' for --cpus");
    expect_failure({ "launch" }, "unknown command 'launch'");
}

// Every usage error names the flag or argument at fault, and the command whose help to read.
TEST_F(BadInput, UsageErrorsNameTheFlag)
{
    expect_failure({ "ps", "--bogus" }, "unknown flag '--bogus' (see 'vmlet ps --help')");
    expect_failure({ "ps", "extra" }, "unexpected argument 'extra'");
    expect_failure({ "run", "--volumes-from", "other", "busybox" }, "unknown flag '--volumes-from' (see 'vmlet run --help')");
    expect_failure({ "exec", "--privileged", "c", "sh" }, "unknown flag '--privileged' (see 'vmlet exec --help')");
    expect_failure({ "run", "--name" }, "--name needs a value");
    expect_failure({ "run", "--cpus", "half", "busybox" }, "invalid value 'half' for --cpus");
    expect_failure({ "run", "--isolation", "hyperv", "busybox" }, "--isolation must be vm or process, not 'hyperv'");
    expect_failure({ "logs" }, "missing argument: container");
    expect_failure({ "logs", "--tail", "some", "c" }, "invalid value 'some' for --tail");
    expect_failure({ "logs", "--since", "yesterday", "c" }, "--since: 'yesterday' is not a time");
    expect_failure({ "stop", "-t", "soon", "c" }, "invalid value 'soon' for --time");
    // The jail's settings mean nothing without it: a monitor thought jailed would not be.
    expect_failure({ "boot", "--snapshot-dir", "/tmp", "--", "true" }, "--snapshot-dir requires --jail (see 'vmlet boot --help')");
    expect_failure({ "restore", "/nonexistent", "--jail-uid", "1000" }, "--jail-uid requires --jail (see 'vmlet restore --help')");
}

// vmlet boot is vmlet-vmm's: a vmlet installed without it says so, and names where it looked.
TEST_F(BadInput, MonitorMissing)
{
    auto lonely = m_workdir.file("vmlet");
    std::filesystem::copy_file(vmlet_binary(), lonely);
    ++m_files_made;
    ProcessOptions options { .timeout = std::chrono::seconds(60), .working_directory = m_workdir.path() };
    options.binary = lonely;
    auto result = run_vmlet({ "boot", "--", "true" }, options);
    EXPECT_EQ(result.exit_code, 125) << result.err;
    EXPECT_EQ(result.err, "vmlet: cannot run the monitor " + m_workdir.file("vmlet-vmm")
            + ": No such file or directory (install vmlet-vmm beside vmlet, or set VMLET_VMM)\n");
    expect_failure({ "boot", "--", "true" }, "cannot run the monitor /nonexistent/vmlet-vmm", { { "VMLET_VMM", "/nonexistent/vmlet-vmm" } });
}

TEST_F(BadInput, KvmDeviceMissing)
{
    auto kernel = make_file("vmlinux", make_elf_kernel());
    expect_failure({ "boot", "--kernel", kernel, "--no-initrd" }, "/nonexistent/kvm does not exist",
        { { "VMLET_KVM_DEVICE", "/nonexistent/kvm" } });
}

TEST_F(BadInput, KvmDeviceThatIsNotKvm)
{
    auto kernel = make_file("vmlinux", make_elf_kernel());
    auto fake = make_file("kvm", { 0 });
    expect_failure({ "boot", "--kernel", kernel, "--no-initrd" }, "is not a usable KVM device", { { "VMLET_KVM_DEVICE", fake } });
}

TEST_F(BadInput, MissingOrMalformedDisk)
{
    expect_failure({ "boot", "--disk", "/nonexistent/disk.img", "--", "true" }, "/nonexistent/disk.img");
    expect_failure({ "boot", "--disk", "disk.img,rw", "--", "true" }, "unknown option 'rw'");
    expect_failure({ "boot", "--disk", make_file("tiny.img", { 1, 2, 3 }), "--", "true" }, "smaller than one sector");
}

TEST_F(BadInput, MalformedNetAndVsock)
{
    expect_failure({ "boot", "--net", "tap=", "--", "true" }, "not a network interface name");
    expect_failure({ "boot", "--net", "auto,mac=01:02:03:04:05:06", "--", "true" }, "multicast");
    expect_failure({ "boot", "--vsock", "cid=1,uds=x.sock", "--", "true" }, "cid must be");
    // A path that holds something else is never replaced by the device's socket.
    auto file = make_file("not-a-socket", { 'k', 'e', 'e', 'p' });
    expect_failure({ "boot", "--vsock", "cid=3,uds=" + file, "--", "true" }, "exists and is not a socket");
    std::ifstream kept(file);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(kept), {}), "keep");
    // A failure after the device made its socket removes the socket (expect_failure counts files).
    expect_failure({ "boot", "--vsock", "cid=3,uds=v.sock", "--kernel", "/nonexistent/vmlinux", "--", "true" }, "/nonexistent/vmlinux");
}

TEST(Cli, VersionAndHelp)
{
    auto version = run_vmlet({ "version" });
    EXPECT_EQ(version.exit_code, 0);
    EXPECT_EQ(version.out.rfind("vmlet ", 0), 0u);
    auto help = run_vmlet({ "boot", "--help" });
    EXPECT_EQ(help.exit_code, 0);
    for (const char* section : { "--kernel", "--cpus", "--memory", "EXAMPLES", "EXIT STATUS", "FILES" })
        EXPECT_NE(help.out.find(section), std::string::npos) << section;
}

}
