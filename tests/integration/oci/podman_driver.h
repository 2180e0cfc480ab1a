#pragma once

#include "tests/integration/vmlet_process.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace vmlet::test {

// podman 4.3 from Debian running its containers with vmlet-runtime, configured as the README tells
// users to (containers.conf: [engine.runtimes] and runtime_supports_json). podman keeps its
// storage, state and networks under this test's directories, and this test process has a network
// namespace of its own (own_network_namespace.h): the CNI bridge, its firewall rules and its
// ip_forward stay there, never on the machine's own network. VM templates are built in a store of
// the test's (vmlet-runtime's --vm-store, through podman's --runtime-flag). The runtime keeps its
// state in its default --root, /run/vmlet-runtime: podman's cleanup calls it without the flags.
// conmon gets the test's directory as TMPDIR (conmon_env_vars): it makes its console socket there,
// and in /tmp, 9p under scripts/nested-kvm.sh, a unix socket cannot be made.
// What a server published on 127.0.0.1:`port` sends first, tried until it answers or `patience`
// runs out (empty then).
std::string read_published_port(uint16_t port, std::chrono::seconds patience);

class PodmanDriver : public ::testing::Test {
protected:
    // The busybox image every test runs, made by `podman import`.
    static constexpr const char* kImage = "localhost/vmlet-oci-test:1";
    // The annotation that asks vmlet-runtime for process isolation.
    static constexpr const char* kProcess = "io.vmlet.isolation=process";

    void SetUp() override;
    void TearDown() override;

    ProcessResult podman(std::vector<std::string> arguments, ProcessOptions options = {});

    TemporaryDirectory m_home;
    TemporaryDirectory m_vm_store;
};

}
