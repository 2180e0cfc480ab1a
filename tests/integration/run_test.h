#pragma once

#include "tests/integration/vmlet_process.h"
#include "tests/support/host_lock.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace vmlet::test {

// The behaviour of `vmlet run` that both isolations share, parameterised by --isolation. The
// images are loaded once per suite into a store of its own.
// An image TAG of app:1's files and PATH, a static build (gcc -static) of the C file SOURCE under
// tests/integration/probes, loaded into the store at ROOT on first use there.
void load_probe_image(const std::string& root, const std::string& source, const std::string& path, const std::string& tag);

class RunTest : public ::testing::TestWithParam<std::string> {
public:
    static void SetUpTestSuite();
    static void TearDownTestSuite();

protected:
    void SetUp() override;
    void TearDown() override;

    ProcessResult vmlet(std::vector<std::string> arguments, ProcessOptions options = {});
    // `vmlet run --isolation=<param> ARGUMENTS...`
    ProcessResult run(std::vector<std::string> arguments, ProcessOptions options = {});

    struct Store {
        TemporaryDirectory scratch;
        std::string root() const { return scratch.file("root"); }
    };
    static Store* s_store;
    // Held from SetUp to the end of TearDown's checks.
    std::optional<HostContainersLock> m_host_lock;
};

}
