#pragma once

#include "tests/integration/oci/oci_bundle.h"
#include "tests/integration/vmlet_process.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace vmlet::test {

std::string read_text(const std::string& path);

// Waits for a child of this process (a subreaper) to exit; its status, or nullopt after `timeout`.
std::optional<int> wait_exit(pid_t pid, std::chrono::milliseconds timeout);

// A test that drives vmlet-runtime as conmon and containerd's shim drive runc: this process is a
// subreaper (PR_SET_CHILD_SUBREAPER), as they are, so the container process that `create` leaves
// becomes its child and its exit status can be read. Skipped without root; whatever a failed test
// left is deleted with --force.
class RuntimeDriver : public ::testing::Test {
protected:
    static void SetUpTestSuite();
    void SetUp() override;
    void TearDown() override;

    ProcessResult runtime(std::vector<std::string> arguments, ProcessOptions options = {});
    // `create`, with the container's streams on files of this test (in from `input`, out_path(),
    // err_path()): the container process keeps them, so the call cannot be read through pipes.
    // Returns create's exit status.
    int create(const std::string& id, const OciBundle& bundle, const std::string& input = {});
    nlohmann::json state(const std::string& id);
    // The --pid-file's process: the container, to the caller.
    pid_t container_process();
    // Until the container's output holds `text` (a minute at most).
    bool output_shows(const std::string& text);

    std::string pid_file() const { return m_files.file("pid"); }
    std::string out_path() const { return m_files.file("out"); }
    std::string err_path() const { return m_files.file("err"); }

    TemporaryDirectory m_root;
    TemporaryDirectory m_files;
    // VMLET_ROOT: where a VM container's template is built, never the machine's own store.
    TemporaryDirectory m_vm_store;
    std::vector<std::string> m_ids;
};

}
