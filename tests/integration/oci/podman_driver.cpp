#include "tests/integration/oci/podman_driver.h"

#include "tests/integration/oci/oci_bundle.h"

#include <fmt/format.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace vmlet::test {

void PodmanDriver::SetUp()
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "podman runs its containers as root here";
    ASSERT_TRUE(std::filesystem::exists("/usr/bin/podman")) << "scripts/setup.sh installs podman";
    std::ofstream(m_home.file("containers.conf")) << fmt::format(R"([containers]
netns = "none"

[engine]
runtime = "vmlet-runtime"
runtime_supports_json = ["crun", "runc", "kata", "runsc", "krun", "vmlet-runtime"]
cgroup_manager = "cgroupfs"
events_logger = "file"
network_config_dir = "{}"

[engine.runtimes]
vmlet-runtime = ["{}"]
)",
        m_home.file("networks"), vmlet_runtime_binary());
    OciBundle bundle({ "true" }, "process");
    auto imported = podman({ "import", "--quiet", bundle.rootfs_tar(), kImage });
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
}

void PodmanDriver::TearDown()
{
    if (::geteuid() != 0)
        return;
    podman({ "rm", "--all", "--force", "--time", "0" });
    podman({ "network", "prune", "--force" });
    podman({ "system", "reset", "--force" });
}

ProcessResult PodmanDriver::podman(std::vector<std::string> arguments, ProcessOptions options)
{
    std::vector<std::string> global { "--root", m_home.file("storage"), "--runroot", m_home.file("run"), "--tmpdir", m_home.file("tmp"),
        "--runtime-flag", "vm-store=" + m_vm_store.path() };
    arguments.insert(arguments.begin(), global.begin(), global.end());
    options.binary = "/usr/bin/podman";
    // A VM container's first create builds its template: minutes under nested KVM.
    options.timeout = std::chrono::seconds(600);
    options.environment["CONTAINERS_CONF"] = m_home.file("containers.conf");
    return run_vmlet(arguments, options);
}

}
