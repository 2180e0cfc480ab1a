#include "containers/image/image_config.h"

#include <gtest/gtest.h>

using namespace vmlet::image;

TEST(ImageConfig, ReadsTheRunSettingsAndDiffIds)
{
    auto text = R"({
      "architecture": "arm64", "variant": "v8", "os": "linux", "created": "2024-01-01T00:00:00Z",
      "config": {"Entrypoint": ["/bin/app"], "Cmd": ["--serve"], "Env": ["PATH=/bin", "A=1"], "WorkingDir": "/srv",
                 "User": "app:app", "ExposedPorts": {"80/tcp": {}, "53/udp": {}}},
      "rootfs": {"type": "layers", "diff_ids": ["sha256:)" + std::string(64, 'd') + R"("]}
    })";
    auto config = ImageConfig::parse(text).release_value();
    EXPECT_EQ(config.architecture, "arm64");
    EXPECT_EQ(config.variant, "v8");
    EXPECT_EQ(config.entrypoint, std::vector<std::string> { "/bin/app" });
    EXPECT_EQ(config.cmd, std::vector<std::string> { "--serve" });
    EXPECT_EQ(config.env, (std::vector<std::string> { "PATH=/bin", "A=1" }));
    EXPECT_EQ(config.working_dir, "/srv");
    EXPECT_EQ(config.user, "app:app");
    EXPECT_EQ(config.exposed_ports, (std::vector<std::string> { "53/udp", "80/tcp" }));
    ASSERT_EQ(config.diff_ids.size(), 1u);
}

TEST(ImageConfig, NullSettingsReadAsEmpty)
{
    // Docker writes "Entrypoint": null for an image without one.
    auto config = ImageConfig::parse(R"({"config": {"Entrypoint": null, "Cmd": null}, "rootfs": {"diff_ids": []}})").release_value();
    EXPECT_TRUE(config.entrypoint.empty());
    EXPECT_TRUE(config.cmd.empty());
}

TEST(ImageConfig, WrongTypesAndMissingRootfsAreErrors)
{
    EXPECT_FALSE(ImageConfig::parse(R"({"config": {}})").ok());
    EXPECT_FALSE(ImageConfig::parse(R"({"config": {"Cmd": "sh"}, "rootfs": {"diff_ids": []}})").ok());
    EXPECT_FALSE(ImageConfig::parse(R"({"rootfs": {"diff_ids": ["sha256:short"]}})").ok());
    EXPECT_FALSE(ImageConfig::parse(R"({"rootfs": {"diff_ids": [1]}})").ok());
}
