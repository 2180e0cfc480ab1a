#pragma once

// What the tests of `vmlet pull`, `login` and `logout` share: a scratch store and home, vmlet run
// in them, and a fake registry serving an OCI layout the test wrote.
#include "tests/integration/vmlet_process.h"
#include "tests/support/oci_image_builder.h"
#include "tests/support/registry_server.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace vmlet::test {

class Pull : public ::testing::Test {
protected:
    void SetUp() override;

    // vmlet with --root in the scratch directory, and a home, runtime and config directory of
    // the test's own, so that no credentials of the machine's user are read and `vmlet login`
    // writes nowhere else; `environment` comes on top.
    ProcessResult vmlet(std::vector<std::string> arguments, std::map<std::string, std::string> environment = {},
        const std::string& input = {});
    std::string root() const { return m_scratch.file("root"); }
    std::string scratch(const std::string& name) const { return m_scratch.file(name); }
    std::string home() const { return m_scratch.file("home"); }
    std::string runtime_dir() const { return m_scratch.file("run"); }

    // A failure with exit status 125, one line holding `expected`, and nothing registered or
    // half-stored.
    void expect_failure(const ProcessResult& result, const std::string& expected);
    std::string inspect_id(const std::string& name);

    TemporaryDirectory m_scratch;
};

ImageSpec app_spec();

// A registry answering like distribution for the single image of the OCI layout at `directory`
// (whatever the repository and tag), without authentication. `on_blob` runs before each blob is
// sent: a test may stall there.
using BlobHook = std::function<void(const image::Digest& blob)>;
TinyHttpServer::Handler serve_layout(const std::string& directory, const WrittenImage& image, BlobHook on_blob = {});

}
