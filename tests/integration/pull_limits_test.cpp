// The caps of image_limits.h through `vmlet pull` and `vmlet load`: a layer that is a gzip bomb,
// one with too many entries, and a config whose descriptor declares more than the cap, each
// refused with one line naming the cap and nothing kept. Labelled "registry".
#include "tests/integration/pull_fixture.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <set>

namespace vmlet::test {

// 64 MiB of zeros, some 64 KiB as a gzip layer: refused over an 8 MiB cap, by pull and by load,
// and taken under the default one.
TEST_F(Pull, AGzipBombLayerIsRefusedAtTheLayerSizeCap)
{
    RegistryServer registry;
    auto spec = app_spec();
    spec.extra_layer_tar = make_tar({ { "zeros", TarEntry::Kind::File, std::string(64 << 20, '\0') } });
    write_oci_layout(scratch("layout"), spec, "1");
    registry.push(scratch("layout"), "1", "bomb");
    auto name = registry.address() + "/bomb:1";

    expect_failure(vmlet({ "pull", name }, { { "VMLET_MAX_LAYER_SIZE", "8m" } }),
        "its files come to more than 8388608 bytes, the cap VMLET_MAX_LAYER_SIZE sets");
    expect_failure(vmlet({ "load", "--dir", scratch("layout") }, { { "VMLET_MAX_LAYER_SIZE", "8m" } }), "the cap VMLET_MAX_LAYER_SIZE sets");
    auto pulled = vmlet({ "pull", name });
    EXPECT_EQ(pulled.exit_code, 0) << pulled.err;
}

TEST_F(Pull, ALayerWithTooManyEntriesIsRefused)
{
    RegistryServer registry;
    auto spec = app_spec();
    std::vector<TarEntry> many;
    for (int i = 0; i < 300; ++i)
        many.push_back({ fmt::format("many/{}", i), TarEntry::Kind::File, "" });
    spec.extra_layer_tar = make_tar(many);
    write_oci_layout(scratch("layout"), spec, "1");
    registry.push(scratch("layout"), "1", "many");

    expect_failure(vmlet({ "pull", registry.address() + "/many:1" }, { { "VMLET_MAX_LAYER_ENTRIES", "200" } }),
        "it holds more than 200 entries, the cap VMLET_MAX_LAYER_ENTRIES sets");
}

// The config's descriptor says more than the cap: the registry is never asked for it.
TEST_F(Pull, AConfigOverTheManifestSizeCapIsNeverFetched)
{
    auto spec = app_spec();
    spec.env.push_back("PADDING=" + std::string(4000, 'x'));
    auto written = write_oci_layout(scratch("layout"), spec, "1");
    std::mutex mutex;
    std::set<std::string> fetched;
    TinyHttpServer registry(serve_layout(scratch("layout"), written, [&](const image::Digest& blob) {
        std::lock_guard lock(mutex);
        fetched.insert(blob.string());
    }));

    expect_failure(vmlet({ "pull", registry.address() + "/app:1" }, { { "VMLET_MAX_MANIFEST_SIZE", "2k" } }),
        "image config " + written.config.string() + " is ");
    std::lock_guard lock(mutex);
    EXPECT_EQ(fetched.count(written.config.string()), 0u);
}

TEST_F(Pull, ACapThatIsNotANumberIsAOneLineError)
{
    expect_failure(vmlet({ "pull", "127.0.0.1:1/app:1" }, { { "VMLET_MAX_LAYER_SIZE", "lots" } }),
        "VMLET_MAX_LAYER_SIZE must be a size from 1 byte to");
    expect_failure(vmlet({ "pull", "127.0.0.1:1/app:1" }, { { "VMLET_MAX_LAYER_ENTRIES", "-1" } }),
        "VMLET_MAX_LAYER_ENTRIES must be a positive whole number, not '-1'");
    expect_failure(vmlet({ "load", "--dir", scratch("none") }, { { "VMLET_MAX_MANIFEST_SIZE", "1g" } }),
        "VMLET_MAX_MANIFEST_SIZE must be a size from 1 byte to 67108864 bytes");
}

}
