#pragma once

#include "tests/integration/vmlet_process.h"
#include "tests/support/oci_image_builder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vmlet::test {

// `vmlet load -i` of the archives real tools write (podman save in both formats, skopeo copy to
// docker-archive, Docker's classic `docker save` layout), then a command run from each image,
// parameterised by --isolation. podman works in a scratch storage of the test's own under its
// temporary directory; nothing comes from the network.
class ArchiveFormats : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override;
    void TearDown() override;

    std::string scratch(const std::string& name) const { return m_scratch.file(name); }
    ProcessResult vmlet(std::vector<std::string> arguments);
    // `vmlet load -i ARCHIVE`, which must succeed; its standard output.
    std::string load(const std::string& archive);
    // `vmlet run --rm --isolation=<param> IMAGE cat PATH`, which must succeed; its standard output.
    std::string cat(const std::string& image, const std::string& path);

    // A busybox image with `path` holding `content` in its second layer, as an OCI layout with
    // uncompressed layers under scratch(name), index.json naming it `tag`.
    WrittenImage write_layout(const std::string& name, const std::string& path, const std::string& content,
        const std::string& tag = "latest");
    // `podman ARGUMENTS...` on the test's own storage (vfs) and configuration, which must succeed.
    std::string podman(std::vector<std::string> arguments);
    std::vector<std::string> podman_command() const;
    // The image of `layout` flattened into one root file system tar (what `podman import` takes).
    std::string flatten(const std::string& layout, const WrittenImage& image);

private:
    TemporaryDirectory m_scratch;
};

// What a command run in an image made by each tool prints: text and bytes a terminal or a line
// discipline would change, so a mangled stream shows.
std::string marker_content(const std::string& format);

}
