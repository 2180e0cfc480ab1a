#include "tests/integration/oci/containerd_driver.h"

#include "tests/integration/oci/runtime_driver.h"
#include "tests/support/oci_image_builder.h"

#include <fmt/format.h>

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace vmlet::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// The live processes whose command line names `directory`, with it (NULs as spaces).
std::vector<std::string> processes_naming(const std::string& directory)
{
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator("/proc")) {
        auto command = read_text(entry.path() / "cmdline");
        std::ranges::replace(command, '\0', ' ');
        if (command.find(directory) != std::string::npos)
            found.push_back(entry.path().filename().string() + ": " + command);
    }
    return found;
}

}

void ContainerdDriver::SetUp()
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "containerd runs its containers as root";
    ASSERT_TRUE(fs::exists("/usr/bin/containerd")) << "scripts/setup.sh installs containerd";
    m_made_shim_directory = !fs::exists("/run/containerd");
    ::setenv("VMLET_ROOT", m_vm_store.path().c_str(), 1);
    std::ofstream(m_home.file("config.toml")) << fmt::format(R"(version = 2
root = "{0}/root"
state = "{0}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "{1}"

[plugins."io.containerd.internal.v1.opt"]
  path = "{0}/opt"
)",
        m_home.path(), socket());
    m_daemon.emplace(std::vector<std::string> { "/usr/bin/containerd", "--config", m_home.file("config.toml") }, log_path());
    for (int tries = 0; tries < 500 && !fs::is_socket(socket()) && m_daemon->running(); ++tries)
        std::this_thread::sleep_for(20ms);
    ASSERT_TRUE(fs::is_socket(socket())) << read_text(log_path());

    write_docker_save_archive(m_home.file("image.tar"), ImageSpec {}, kImage);
    auto imported = ctr({ "images", "import", m_home.file("image.tar") });
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
}

void ContainerdDriver::TearDown()
{
    if (!m_daemon)
        return;
    // Whatever a failed test left: shims outlive containerd, so their tasks go first.
    for (const auto& id : m_ids) {
        ctr({ "tasks", "delete", "--force", id });
        ctr({ "containers", "delete", id });
    }
    m_daemon.reset();
    // The shim puts its sockets in /run/containerd/s whatever containerd's state directory is:
    // the directories go again if this test made them (remove() leaves one that is not empty).
    if (m_made_shim_directory) {
        std::error_code ignored;
        fs::remove("/run/containerd/s", ignored);
        fs::remove("/run/containerd", ignored);
    }
    // No mount of a container's snapshot is left, nor a process: a shim, or a container
    // process of vmlet-runtime's (their command lines name this test's directory). A shim
    // exits soon after its task's delete.
    EXPECT_EQ(read_text("/proc/self/mountinfo").find(m_home.path()), std::string::npos);
    for (int tries = 0; tries < 50 && !processes_naming(m_home.path()).empty(); ++tries)
        std::this_thread::sleep_for(100ms);
    EXPECT_EQ(processes_naming(m_home.path()), std::vector<std::string> {});
    // containerd's cgroupsPath is /NAMESPACE/ID: the runtime removes the container's, as runc
    // does, and the namespace's parent goes here, once empty.
    for (const auto& hierarchy : fs::directory_iterator("/sys/fs/cgroup")) {
        for (const auto& id : m_ids)
            EXPECT_FALSE(fs::exists(hierarchy.path() / kNamespace / id)) << hierarchy.path();
        std::error_code ignored;
        fs::remove(hierarchy.path() / kNamespace, ignored);
    }
}

ProcessResult ContainerdDriver::ctr(std::vector<std::string> arguments, ProcessOptions options)
{
    arguments.insert(arguments.begin(), { "--address", socket(), "--namespace", kNamespace });
    options.binary = "/usr/bin/ctr";
    options.timeout = 600s; // a VM container's first create builds its template
    return run_vmlet(arguments, options);
}

ProcessResult ContainerdDriver::run(const std::string& mode, const std::string& id, const std::vector<std::string>& command,
    const std::string& isolation)
{
    m_ids.push_back(id);
    std::vector<std::string> arguments { "run", mode, "--fifo-dir", fifo_directory(), "--runc-binary", vmlet_runtime_binary(),
        "--runc-root", m_home.file("runc") };
    if (!isolation.empty())
        arguments.insert(arguments.end(), { "--annotation", "io.vmlet.isolation=" + isolation });
    arguments.insert(arguments.end(), { kImage, id });
    arguments.insert(arguments.end(), command.begin(), command.end());
    return ctr(arguments);
}

std::string ContainerdDriver::task_status(const std::string& id)
{
    std::istringstream lines(ctr({ "tasks", "ls" }).out);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream fields(line);
        std::string name, pid, status;
        if (fields >> name >> pid >> status && name == id)
            return status;
    }
    return {};
}

}
