#include "containers/image/archive_spool.h"

#include <gtest/gtest.h>

using namespace vmlet::image;

TEST(ArchiveSpool, AcceptsOnlyTheNamesOfImageArchives)
{
    const std::string hex(64, 'a');
    for (const auto& name : std::vector<std::string> { "manifest.json", std::string("./index.json"), std::string("oci-layout"), std::string("repositories"),
             hex + ".json", hex + "/layer.tar", hex + "/json", hex + "/VERSION", "blobs/sha256/" + hex, "./blobs/sha256/" + hex })
        EXPECT_TRUE(is_image_archive_member(name)) << name;
    for (const auto& name : std::vector<std::string> { "../manifest.json", std::string("/index.json"), std::string("etc/passwd"),
             "blobs/sha256/../../" + hex, "blobs/sha256/" + hex + "/x", "blobs/sha512/" + hex, hex + "/../../x",
             hex.substr(1) + ".json", hex + "/layer.tar/x", std::string("blobs/sha256/") + std::string(64, 'A'), std::string("") })
        EXPECT_FALSE(is_image_archive_member(name)) << name;
}
