#pragma once

#include "tests/support/temporary_directory.h"

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace vmlet::test {

struct ProcessResult {
    int exit_code { -1 };   // -1 when killed by the timeout
    bool timed_out { false };
    std::string out;
    std::string err;
};

struct ProcessOptions {
    std::chrono::seconds timeout { 300 };
    std::map<std::string, std::string> environment {}; // added to the test's environment
    std::string working_directory {};
    // Sends this signal once standard output (where the guest console goes) shows `signal_after`.
    int signal { 0 };
    std::string signal_after {};
    // Written to vmlet's standard input, which is then closed (default: /dev/null).
    std::string input {};
    // vmlet's standard streams are a pseudo-terminal of kTerminalRows x kTerminalCols: `out` is
    // all it showed, and `input` is typed into it once `out` shows `input_after`.
    bool terminal { false };
    std::string input_after {};
    // Then the terminal becomes kResizedRows x kResizedCols once `out` shows `resize_after`.
    std::string resize_after {};
    // Another copy of vmlet to run instead of the one under test (empty: that one).
    std::string binary {};
};

constexpr unsigned short kTerminalRows = 30, kTerminalCols = 100;
constexpr unsigned short kResizedRows = 40, kResizedCols = 120;

// Runs the vmlet binary under test with `arguments`, capturing its output. Every run has a
// timeout: a guest that hangs is killed and the test fails, it never blocks the suite.
ProcessResult run_vmlet(const std::vector<std::string>& arguments, const ProcessOptions& options = {});

// The vmlet binary under test, for a test that runs it in a pipeline of its own.
std::string vmlet_binary();
// Every container cgroup on the host: a directory below a vmlet/ one, in any hierarchy (the
// sandboxes' own, vmlet/<id>), for the tests that check none is left behind.
std::vector<std::string> vmlet_cgroups();

// vmlet-runtime, the OCI runtime built beside it.
std::string vmlet_runtime_binary();

bool kvm_available();
// The bundled guest, as installed by scripts/setup.sh.
std::string bundled_kernel();
std::string bundled_initrd();

void write_file(const std::string& path, const std::vector<uint8_t>& bytes);

}
