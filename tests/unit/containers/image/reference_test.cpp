#include "containers/image/reference.h"

#include <gtest/gtest.h>

#include <vector>

using namespace vmlet::image;

namespace {

std::string canonical(std::string_view text)
{
    auto reference = Reference::parse(text);
    return reference.ok() ? reference.value().canonical() : "error: " + reference.error().message();
}

const std::string kDigest = "sha256:" + std::string(64, 'a');

}

TEST(Reference, DockerHubNamesAreNormalised)
{
    EXPECT_EQ(canonical("busybox"), "docker.io/library/busybox:latest");
    EXPECT_EQ(canonical("busybox:1.36"), "docker.io/library/busybox:1.36");
    EXPECT_EQ(canonical("user/app"), "docker.io/user/app:latest");
    EXPECT_EQ(canonical("docker.io/busybox"), "docker.io/library/busybox:latest");
    EXPECT_EQ(canonical("index.docker.io/library/busybox:musl"), "docker.io/library/busybox:musl");
    EXPECT_EQ(Reference::parse("busybox").value().api_host(), "registry-1.docker.io");
}

TEST(Reference, FirstComponentIsARegistryOnlyIfItLooksLikeAHost)
{
    auto local = Reference::parse("localhost:5000/app:1").release_value();
    EXPECT_EQ(local.registry, "localhost:5000");
    EXPECT_EQ(local.repository, "app");
    EXPECT_EQ(local.tag, "1");
    EXPECT_EQ(local.api_host(), "localhost:5000");
    EXPECT_EQ(canonical("localhost/app"), "localhost/app:latest");
    EXPECT_EQ(canonical("ghcr.io/org/tools/cli:v2.0-rc_1"), "ghcr.io/org/tools/cli:v2.0-rc_1");
    EXPECT_EQ(canonical("127.0.0.1:5000/a/b"), "127.0.0.1:5000/a/b:latest");
    EXPECT_EQ(canonical("org/sub/app"), "docker.io/org/sub/app:latest") << "no dot, no colon: a Hub path";
}

// As `docker images` shows them; each must name the same repository again. fuzz_image_reference
// found "library/a/b" shown as "a/b", which is docker.io/a/b.
TEST(Reference, FamiliarRepositoriesNameTheSameRepository)
{
    EXPECT_EQ(Reference::parse("busybox").value().familiar_repository(), "busybox");
    EXPECT_EQ(Reference::parse("user/app").value().familiar_repository(), "user/app");
    EXPECT_EQ(Reference::parse("localhost:5000/app").value().familiar_repository(), "localhost:5000/app");
    auto nested = Reference::parse("docker.io/library/a/b:1").release_value();
    EXPECT_EQ(nested.familiar_repository(), "library/a/b");
    EXPECT_EQ(canonical(nested.familiar_repository() + ":1"), nested.canonical());
}

TEST(Reference, Digests)
{
    auto pinned = Reference::parse("busybox@" + kDigest).release_value();
    EXPECT_EQ(pinned.tag, "") << "a digest alone implies no tag";
    EXPECT_EQ(pinned.digest, kDigest);
    EXPECT_EQ(pinned.canonical(), "docker.io/library/busybox@" + kDigest);
    EXPECT_EQ(canonical("localhost:5000/app:1@" + kDigest), "localhost:5000/app:1@" + kDigest);
}

TEST(Reference, BadReferencesNameTheProblem)
{
    for (const std::string& bad : std::vector<std::string> { "", "Busybox", "busybox:", "busybox:-x", "busybox:" + std::string(129, 't'), "a//b", "a/-b",
             "app.", "app@sha256:abc", "app@md5:" + std::string(32, '0'), "localhost:port/app", "bad_host_/x:1",
             "a/" + std::string(260, 'x'), "app!" }) {
        auto reference = Reference::parse(bad);
        EXPECT_FALSE(reference.ok()) << "'" << bad << "' was accepted as " << reference.value().canonical();
        if (!reference.ok()) {
            EXPECT_NE(reference.error().message().find("invalid reference format"), std::string::npos);
        }
    }
    EXPECT_EQ(canonical("UPPER/app"), "UPPER/app:latest") << "an upper-case first component is a registry (as Docker reads it)";
    EXPECT_EQ(canonical("a__b/c-d--e.f_g"), "docker.io/a__b/c-d--e.f_g:latest");
}
