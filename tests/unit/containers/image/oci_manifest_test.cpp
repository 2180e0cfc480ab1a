#include "containers/image/oci_manifest.h"

#include <gtest/gtest.h>

using namespace vmlet::image;

namespace {

std::string hex(char c) { return std::string(64, c); }

// An index as `skopeo copy --all` or buildx push one: two platforms and an attestation.
const std::string kIndex = R"({
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.index.v1+json",
  "manifests": [
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:)" + hex('a') + R"(", "size": 100,
     "platform": {"os": "linux", "architecture": "amd64"}},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:)" + hex('b') + R"(", "size": 200,
     "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:)" + hex('c') + R"(", "size": 300,
     "platform": {"os": "unknown", "architecture": "unknown"}, "annotations": {"vnd.docker.reference.type": "attestation-manifest"}}
  ]
})";

}

TEST(Platform, ParseAndPrint)
{
    auto arm = Platform::parse("linux/arm64/v8").release_value();
    EXPECT_EQ(arm.os, "linux");
    EXPECT_EQ(arm.architecture, "arm64");
    EXPECT_EQ(arm.variant, "v8");
    EXPECT_EQ(arm.to_string(), "linux/arm64/v8");
    EXPECT_EQ(Platform::parse("linux/amd64").value().to_string(), "linux/amd64");
    EXPECT_FALSE(Platform::parse("amd64").ok());
    EXPECT_FALSE(Platform::parse("linux/").ok());
    EXPECT_FALSE(Platform::parse("linux/arm64/").ok());
}

TEST(Platform, HostUsesGoArchitectureNames)
{
    auto host = Platform::host();
    EXPECT_EQ(host.os, "linux");
#if defined(__x86_64__)
    EXPECT_EQ(host.architecture, "amd64");
#elif defined(__aarch64__)
    EXPECT_EQ(host.architecture, "arm64");
#endif
}

TEST(Index, SelectsThePlatformAndNamesTheOthersWhenAbsent)
{
    auto index = Index::parse(kIndex).release_value();
    ASSERT_EQ(index.manifests.size(), 3u);
    EXPECT_EQ(index.select(Platform::parse("linux/amd64").value()).value().digest.string(), "sha256:" + hex('a'));
    // A wanted platform without a variant takes any variant.
    EXPECT_EQ(index.select(Platform::parse("linux/arm64").value()).value().digest.string(), "sha256:" + hex('b'));
    EXPECT_FALSE(index.select(Platform::parse("linux/arm64/v7").value()).ok());
    auto missing = index.select(Platform::parse("linux/riscv64").value());
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().message(), "no image for platform linux/riscv64 (the image has: linux/amd64, linux/arm64/v8, unknown/unknown)");
}

TEST(Manifest, ReadsConfigAndLayersInOrder)
{
    auto text = R"({"schemaVersion": 2, "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:)" + hex('1')
        + R"(", "size": 7}, "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:)" + hex('2')
        + R"(", "size": 8}, {"mediaType": "application/vnd.oci.image.layer.v1.tar+zstd", "digest": "sha256:)" + hex('3') + R"(", "size": 9}]})";
    auto manifest = Manifest::parse(text).release_value();
    EXPECT_EQ(manifest.config.digest.string(), "sha256:" + hex('1'));
    EXPECT_EQ(manifest.config.size, 7u);
    ASSERT_EQ(manifest.layers.size(), 2u);
    EXPECT_EQ(manifest.layers[1].media_type, "application/vnd.oci.image.layer.v1.tar+zstd");
    EXPECT_EQ(declared_media_type(text), "");
    EXPECT_EQ(declared_media_type(kIndex), "application/vnd.oci.image.index.v1+json");
}

TEST(Manifest, HostileDocumentsAreErrorsNotCrashes)
{
    for (const auto& bad : std::vector<std::string> { "not json", "[]", R"({"layers": []})",
             R"({"config": {"digest": "sha256:)" + hex('1') + R"(", "size": -1}, "layers": []})",
             R"({"config": {"digest": "md5:abc", "size": 1}, "layers": []})",
             R"({"config": {"digest": "sha256:)" + hex('1') + R"(", "size": 1}, "layers": {}})",
             R"({"config": {"digest": "sha256:)" + hex('1') + R"(", "size": 1}, "layers": [7]})" }) {
        EXPECT_FALSE(Manifest::parse(bad).ok()) << bad;
    }
    EXPECT_FALSE(Index::parse(R"({"manifests": [{"digest": 5}]})").ok());
}
