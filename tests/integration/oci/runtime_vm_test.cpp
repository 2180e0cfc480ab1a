// vmlet-runtime's default isolation: each container in a microVM of its own, whose root is the
// bundle's over virtio-fs. Driven directly and by podman; labelled "kvm". The workload sees the
// guest's kernel, never the host's.

#include "tests/integration/oci/containerd_driver.h"
#include "tests/integration/oci/oci_bundle.h"
#include "tests/integration/oci/podman_driver.h"
#include "tests/integration/oci/runtime_driver.h"
#include "tests/integration/vmlet_process.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sys/utsname.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace vmlet::test {
namespace {

using namespace std::chrono_literals;

std::string host_kernel()
{
    utsname names {};
    ::uname(&names);
    return names.release;
}

class RuntimeVmTest : public RuntimeDriver {
protected:
    void SetUp() override
    {
        RuntimeDriver::SetUp();
        if (!IsSkipped() && !kvm_available())
            GTEST_SKIP() << "no /dev/kvm: vm isolation runs under scripts/test.sh's nested KVM";
    }
};

TEST_F(RuntimeVmTest, TheContainerRunsOnTheGuestsKernelOverTheBundlesRoot)
{
    OciBundle bundle({ "sh", "-c", "uname -r; cat; echo written > /made-in-vm; trap 'exit 7' TERM; echo ready; while :; do sleep 0.2; done" }, "vm");
    bundle.config()["annotations"].erase("io.vmlet.isolation"); // vm is the default
    bundle.save();
    ASSERT_EQ(create("vm1", bundle, "typed\n"), 0) << read_text(err_path());
    pid_t process = container_process();
    EXPECT_EQ(state("vm1")["status"], "created");
    ASSERT_EQ(runtime({ "start", "vm1" }).exit_code, 0);
    ASSERT_TRUE(output_shows("ready\n")) << read_text(err_path());
    auto lines = read_text(out_path());
    auto kernel = lines.substr(0, lines.find('\n'));
    EXPECT_FALSE(kernel.empty());
    EXPECT_NE(kernel, host_kernel());
    EXPECT_NE(lines.find("typed\n"), std::string::npos) << lines;
    // Its writes are the bundle's, as runc's are.
    EXPECT_EQ(read_text(bundle.rootfs() + "/made-in-vm"), "written\n");

    auto exec = runtime({ "exec", "vm1", "sh", "-c", "echo in-vm; exit 4" });
    EXPECT_EQ(exec.exit_code, 4) << exec.err;
    EXPECT_EQ(exec.out, "in-vm\n");

    ASSERT_EQ(runtime({ "kill", "vm1", "TERM" }).exit_code, 0);
    EXPECT_EQ(wait_exit(process, 60s), std::optional<int>(7));
    EXPECT_EQ(state("vm1")["status"], "stopped");
    EXPECT_EQ(runtime({ "delete", "vm1" }).exit_code, 0);
    EXPECT_TRUE(std::filesystem::exists(bundle.rootfs() + "/bin/busybox"));
}

TEST_F(RuntimeVmTest, TheMountsNoexecAndNosuidHoldInTheGuest)
{
    TemporaryDirectory shared;
    OciBundle bundle({ "sh", "-c", kMountOptionsProbe }, "vm");
    bind_runnable_twice(bundle, shared.path());
    ASSERT_EQ(create("vm-options", bundle), 0) << read_text(err_path());
    ASSERT_EQ(runtime({ "start", "vm-options" }).exit_code, 0);
    EXPECT_EQ(wait_exit(container_process(), 60s), std::optional<int>(0));
    expect_mount_options_held(read_text(out_path()));
    EXPECT_EQ(runtime({ "delete", "vm-options" }).exit_code, 0);
}

TEST_F(RuntimeVmTest, ACreatedVmIsDeletedUnstarted)
{
    OciBundle bundle({ "sh", "-c", "echo ran > /proof" }, "vm");
    ASSERT_EQ(create("vm2", bundle), 0) << read_text(err_path());
    pid_t process = container_process();
    EXPECT_EQ(runtime({ "delete", "vm2" }).exit_code, 0);
    EXPECT_EQ(wait_exit(process, 60s), std::optional<int>(125));
    EXPECT_FALSE(std::filesystem::exists(bundle.rootfs() + "/proof"));
}

class PodmanVmTest : public PodmanDriver {
protected:
    void SetUp() override
    {
        if (!kvm_available())
            GTEST_SKIP() << "no /dev/kvm: vm isolation runs under scripts/test.sh's nested KVM";
        PodmanDriver::SetUp();
    }
};

// podman's default runtime is vmlet-runtime, whose default isolation is a VM: no annotation.
TEST_F(PodmanVmTest, RunExecAndTerminalInAVm)
{
    auto run = podman({ "run", "--rm", "-i", kImage, "sh", "-c", "uname -r; cat; exit 5" }, { .input = "typed\n" });
    EXPECT_EQ(run.exit_code, 5) << run.err;
    auto kernel = run.out.substr(0, run.out.find('\n'));
    EXPECT_FALSE(kernel.empty());
    EXPECT_NE(kernel, host_kernel());
    EXPECT_EQ(run.out.substr(run.out.find('\n') + 1), "typed\n");

    ASSERT_EQ(podman({ "run", "-d", "--name", "vm", kImage, "sh", "-c", "trap 'exit 7' TERM; while :; do sleep 0.2; done" }).exit_code, 0);
    auto exec = podman({ "exec", "vm", "sh", "-c", "echo in-vm; exit 6" });
    EXPECT_EQ(exec.exit_code, 6) << exec.err;
    EXPECT_EQ(exec.out, "in-vm\n");
    auto exec_terminal = podman({ "exec", "-t", "vm", "sh", "-c", "tty; exit 2" });
    EXPECT_EQ(exec_terminal.exit_code, 2) << exec_terminal.err;
    EXPECT_TRUE(exec_terminal.out.starts_with("/dev/pts/")) << exec_terminal.out;
    ASSERT_EQ(podman({ "pause", "vm" }).exit_code, 0); // the VM's vCPUs stop
    EXPECT_EQ(podman({ "inspect", "--format", "{{.State.Status}}", "vm" }).out, "paused\n");
    ASSERT_EQ(podman({ "unpause", "vm" }).exit_code, 0);
    EXPECT_EQ(podman({ "stop", "--time", "60", "vm" }).exit_code, 0);
    EXPECT_EQ(podman({ "inspect", "--format", "{{.State.ExitCode}}", "vm" }).out, "7\n");

    // -t: a host terminal, whose master side reached conmon at create, relays the guest's.
    auto terminal = podman({ "run", "--rm", "-t", kImage, "sh", "-c", "tty; exit 3" });
    EXPECT_EQ(terminal.exit_code, 3) << terminal.err;
    EXPECT_TRUE(terminal.out.starts_with("/dev/pts/")) << terminal.out;
}

// podman's bridge network (CNI) in VM isolation: the VM's card takes over the veth that podman
// put in the container's namespace, so the guest has podman's address and -p reaches it.
TEST_F(PodmanVmTest, ThePodmanNetworksAddressAndPublishedPortsReachTheVm)
{
    ASSERT_EQ(podman({ "network", "create", "--subnet", "10.91.8.0/24", "vmletocivm" }).exit_code, 0);
    auto run = podman({ "run", "-d", "--name", "web", "--network", "vmletocivm", "-p", "127.0.0.1:18090:8080", kImage, "sh", "-c",
        "echo hello-vm > /reply; while :; do nc -l -p 8080 < /reply; done" });
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(read_published_port(18090, std::chrono::seconds(120)), "hello-vm\n");
    auto given = podman({ "inspect", "--format", "{{.NetworkSettings.Networks.vmletocivm.IPAddress}}", "web" });
    ASSERT_EQ(given.exit_code, 0) << given.err;
    auto seen = podman({ "exec", "web", "ip", "-4", "-o", "addr", "show", "eth0" });
    EXPECT_EQ(seen.exit_code, 0) << seen.err;
    auto address = given.out.substr(0, given.out.find('\n'));
    EXPECT_NE(seen.out.find(fmt::format(" {}/24", address)), std::string::npos) << seen.out << " vs " << address;
    auto kernel = podman({ "exec", "web", "uname", "-r" });
    EXPECT_NE(kernel.out, host_kernel() + "\n");
}

class ContainerdVmTest : public ContainerdDriver {
protected:
    void SetUp() override
    {
        if (!kvm_available())
            GTEST_SKIP() << "no /dev/kvm: vm isolation runs under scripts/test.sh's nested KVM";
        ContainerdDriver::SetUp();
    }
};

// `ctr run --runc-binary vmlet-runtime` with no annotation: the workload sees the guest's kernel.
TEST_F(ContainerdVmTest, CtrRunsTheImageInAVm)
{
    auto ran = run("--rm", "vm", { "sh", "-c", "uname -r; exit 5" }, "");
    EXPECT_EQ(ran.exit_code, 5) << ran.err << read_text(log_path());
    auto kernel = ran.out.substr(0, ran.out.find('\n'));
    EXPECT_FALSE(kernel.empty());
    EXPECT_NE(kernel, host_kernel());
}

}
}
