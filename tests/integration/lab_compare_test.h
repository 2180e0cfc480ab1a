#pragma once

#include "tests/integration/vmlet_process.h"
#include "tests/support/host_lock.h"
#include "tests/support/temporary_directory.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace vmlet::test {

// `vmlet compare` in a store of each test's own, parameterised by what it compares: "process"
// (--no-vm: the host and process isolation) or "vm" (every subject; needs KVM).
class CompareTest : public ::testing::TestWithParam<std::string> {
protected:
    using Json = nlohmann::json;

    void SetUp() override;
    void TearDown() override;

    ProcessResult vmlet(std::vector<std::string> arguments, std::chrono::seconds timeout = std::chrono::seconds(120));
    // `vmlet compare ARGUMENTS --format json -o FILE`, parsed; --no-vm in the process instance.
    Json compare(std::vector<std::string> arguments);
    static const Json& subject(const Json& lab, const std::string& name);
    std::vector<std::string> measured_subjects() const;

    TemporaryDirectory m_scratch;
    std::optional<HostContainersLock> m_host_lock;
};

}
