// `vmlet pull` against a real registry (Debian's docker-registry on 127.0.0.1, filled by skopeo),
// anonymous and behind a token, and against fake registries that serve bad content. Labelled
// "registry" with the registry client's tests.
#include "tests/integration/pull_fixture.h"
#include "containers/image/media_types.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace vmlet::test {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

}

TEST_F(Pull, PullsByTagThenFindsItUpToDate)
{
    RegistryServer registry;
    auto written = write_oci_layout(scratch("layout"), app_spec(), "1");
    registry.push(scratch("layout"), "1", "app");
    auto name = registry.address() + "/app:1";

    auto first = vmlet({ "pull", name });
    ASSERT_EQ(first.exit_code, 0) << first.err << registry.log();
    EXPECT_NE(first.out.find("1: Pulling from app"), std::string::npos) << first.out;
    EXPECT_NE(first.out.find(std::string(written.layers[1].short_hex()) + ": Pull complete"), std::string::npos) << first.out;
    EXPECT_NE(first.out.find("Digest: " + written.manifest.string()), std::string::npos) << first.out;
    EXPECT_NE(first.out.find("Status: Downloaded newer image for " + name), std::string::npos) << first.out;
    EXPECT_EQ(inspect_id(name), written.config.string());
    EXPECT_TRUE(fs::exists(root() + "/layers/" + std::string(written.diff_ids[1].hex()) + "/diff/etc/app.conf"));

    auto again = vmlet({ "pull", name });
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_NE(again.out.find("Status: Image is up to date for " + name), std::string::npos) << again.out;
    EXPECT_EQ(again.out.find("Pull complete"), std::string::npos) << again.out;
}

TEST_F(Pull, ChoosesThePlatformOfAMultiArchImage)
{
    RegistryServer registry;
    ImageSpec amd64 = app_spec(), arm64 = app_spec();
    arm64.architecture = "arm64";
    auto written = write_multi_arch_layout(scratch("multi"), amd64, arm64, "latest");
    registry.push(scratch("multi"), "latest", "multi", PushPlatforms::All);
    auto name = registry.address() + "/multi";

    auto pulled = vmlet({ "pull", name });
    ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
    // The digest docker prints is the index's: what the tag names.
    EXPECT_NE(pulled.out.find("Digest: " + written.index.string()), std::string::npos) << pulled.out;
    EXPECT_EQ(inspect_id(name), written.amd64.config.string());

    ASSERT_EQ(vmlet({ "pull", "--platform", "linux/arm64", name }).exit_code, 0);
    EXPECT_EQ(inspect_id(name), written.arm64.config.string());
    auto arm = json::parse(vmlet({ "inspect", name }).out);
    EXPECT_EQ(arm[0]["Platform"], "linux/arm64/v8");

    auto missing = vmlet({ "pull", "--platform", "linux/s390x", registry.address() + "/multi:latest" });
    EXPECT_EQ(missing.exit_code, 125);
    EXPECT_NE(missing.err.find("no image for platform linux/s390x (the image has: linux/amd64, linux/arm64/v8)"), std::string::npos)
        << missing.err;
}

TEST_F(Pull, PullsByDigest)
{
    RegistryServer registry;
    auto written = write_oci_layout(scratch("layout"), app_spec(), "1");
    registry.push(scratch("layout"), "1", "app");
    auto name = registry.address() + "/app@" + written.manifest.string();
    auto pulled = vmlet({ "pull", name });
    ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
    EXPECT_EQ(inspect_id(name), written.config.string());
}

TEST_F(Pull, RegistryDownUnknownTagAndBadReference)
{
    expect_failure(vmlet({ "pull", "127.0.0.1:" + std::to_string(unused_port()) + "/app:1" }), "is unreachable");
    RegistryServer registry;
    write_oci_layout(scratch("layout"), app_spec(), "1");
    registry.push(scratch("layout"), "1", "app");
    expect_failure(vmlet({ "pull", registry.address() + "/app:nope" }), "manifest unknown");
    expect_failure(vmlet({ "pull", "Bad//Ref" }), "Bad//Ref");
}

// A registry that serves a manifest whose blobs are not what it promises: wrong bytes for the
// layer's digest, or bytes that match their digest but are not a layer.
TEST_F(Pull, BadBlobsAreRefusedAndNothingIsKept)
{
    auto serve = [](const std::string& layer_served, const std::string& layer_promised) {
        auto config = json { { "architecture", "amd64" }, { "os", "linux" }, { "config", { { "Cmd", { "sh" } } } },
            { "rootfs", { { "type", "layers" }, { "diff_ids", { image::Digest::of(layer_promised).string() } } } } }
                          .dump();
        auto manifest = json { { "schemaVersion", 2 }, { "mediaType", image::media_type::kOciManifest },
            { "config", { { "mediaType", image::media_type::kOciConfig }, { "digest", image::Digest::of(config).string() }, { "size", config.size() } } },
            { "layers", json::array({ { { "mediaType", image::media_type::kOciLayerGzip }, { "digest", image::Digest::of(layer_promised).string() },
                            { "size", layer_served.size() } } }) } }
                            .dump();
        return [=](const HttpRequest& request) {
            auto path = request.path();
            if (path.find("/manifests/") != std::string::npos)
                return HttpResponse { .status = 200, .headers = { { "Content-Type", std::string(image::media_type::kOciManifest) } }, .body = manifest };
            if (path.ends_with(image::Digest::of(config).string()))
                return HttpResponse { .status = 200, .headers = {}, .body = config };
            if (path.find("/blobs/") != std::string::npos)
                return HttpResponse { .status = 200, .headers = {}, .body = layer_served };
            return HttpResponse { .status = 200, .headers = {}, .body = "{}" };
        };
    };
    {
        TinyHttpServer wrong(serve(std::string(64, 'x'), std::string(64, 'y')));
        expect_failure(vmlet({ "pull", wrong.address() + "/app:1" }), "does not match its digest");
    }
    {
        TinyHttpServer corrupt(serve("this is not a tar archive, nor gzip", "this is not a tar archive, nor gzip"));
        expect_failure(vmlet({ "pull", corrupt.address() + "/app:1" }), "layer");
    }
}

}
