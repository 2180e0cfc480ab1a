#include "tests/integration/oci/podman_driver.h"

#include "tests/integration/oci/oci_bundle.h"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace vmlet::test {

std::string read_published_port(uint16_t port, std::chrono::seconds patience)
{
    auto deadline = std::chrono::steady_clock::now() + patience;
    std::string reply;
    while (reply.empty() && std::chrono::steady_clock::now() < deadline) {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address {};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        timeval timeout { .tv_sec = 5, .tv_usec = 0 };
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
            char buffer[64];
            ssize_t got = ::read(fd, buffer, sizeof buffer);
            if (got > 0)
                reply.assign(buffer, static_cast<size_t>(got));
        }
        ::close(fd);
        if (reply.empty())
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return reply;
}

void PodmanDriver::SetUp()
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "podman runs its containers as root here";
    ASSERT_TRUE(std::filesystem::exists("/usr/bin/podman")) << "scripts/setup.sh installs podman";
    std::ofstream(m_home.file("containers.conf")) << fmt::format(R"([containers]
netns = "none"

[network]
network_config_dir = "{}"

[engine]
runtime = "vmlet-runtime"
runtime_supports_json = ["crun", "runc", "kata", "runsc", "krun", "vmlet-runtime"]
cgroup_manager = "cgroupfs"
events_logger = "file"
conmon_env_vars = ["TMPDIR={}"]

[engine.runtimes]
vmlet-runtime = ["{}"]
)",
        m_home.file("networks"), m_home.path(), vmlet_runtime_binary());
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
