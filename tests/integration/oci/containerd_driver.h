#pragma once

#include "tests/integration/vmlet_process.h"
#include "tests/support/command.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace vmlet::test {

// containerd 1.6 from Debian running its containers with vmlet-runtime in runc's place: ctr's
// --runc-binary makes containerd-shim-runc-v2 call it as it calls runc (--root, --log,
// --log-format json; create --pid-file, start, exec --detach, ps --format json, kill, delete).
// The daemon is each test's own: its root, state, socket, FIFOs and runc root are under the test's
// directory, it has no CRI plugin, and this test process has a network namespace of its own
// (own_network_namespace.h). VM templates go to a store of the test's (VMLET_ROOT, which the
// daemon, its shims and so the runtime inherit). TearDown checks that nothing is left: mounts,
// processes, the containers' cgroups.
class ContainerdDriver : public ::testing::Test {
protected:
    // The busybox image every test runs, imported from a `docker save` archive.
    static constexpr const char* kImage = "localhost/vmlet-ctr-test:1";
    static constexpr const char* kNamespace = "vmlet-test";

    void SetUp() override;
    void TearDown() override;

    ProcessResult ctr(std::vector<std::string> arguments, ProcessOptions options = {});
    // `ctr run` of kImage as `id` with vmlet-runtime; `mode` is --rm or -d; `isolation` the
    // io.vmlet.isolation annotation, none for the runtime's default (vm).
    ProcessResult run(const std::string& mode, const std::string& id, const std::vector<std::string>& command,
        const std::string& isolation = "process");
    // STATUS in `ctr tasks ls` (TASK PID STATUS); empty when the container has no task.
    std::string task_status(const std::string& id);

    std::string socket() const { return m_home.file("containerd.sock"); }
    std::string log_path() const { return m_home.file("containerd.log"); }
    std::string fifo_directory() const { return m_home.file("fifo"); }

    TemporaryDirectory m_home;
    TemporaryDirectory m_vm_store;
    std::optional<BackgroundProcess> m_daemon;
    bool m_made_shim_directory { false };
    std::vector<std::string> m_ids;
};

}
