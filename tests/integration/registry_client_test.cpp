// The registry client against a real registry (Debian's docker-registry, distribution 2.8) filled
// by skopeo, anonymous and behind the Docker token protocol, and against fake registries that
// lie on purpose. Labelled "registry"; each test starts its own registry on a free port.

#include "tests/support/oci_image_builder.h"
#include "tests/support/registry_server.h"
#include "vmm/base/file.h"
#include "containers/image/media_types.h"
#include "containers/registry/base64.h"
#include "containers/registry/registry_client.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>

namespace vmlet::image {
namespace {

using test::PushPlatforms;
using test::RegistryAuth;
using test::RegistryServer;

std::string read_file(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    return { std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>() };
}

bool exists(const std::string& path)
{
    return ::access(path.c_str(), F_OK) == 0;
}

// Sets (or, with nullopt, removes) an environment variable for one scope.
class ScopedEnv {
public:
    ScopedEnv(const char* name, std::optional<std::string> value)
        : m_name(name)
    {
        if (const char* old = std::getenv(name))
            m_old = old;
        if (value)
            ::setenv(name, value->c_str(), 1);
        else
            ::unsetenv(name);
    }
    ~ScopedEnv()
    {
        if (m_old)
            ::setenv(m_name, m_old->c_str(), 1);
        else
            ::unsetenv(m_name);
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* m_name;
    std::optional<std::string> m_old;
};

RegistryClient connect(const std::string& reference_text)
{
    auto reference = Reference::parse(reference_text);
    EXPECT_TRUE(reference.ok()) << reference_text;
    auto client = RegistryClient::connect(reference.value());
    if (!client.ok())
        throw std::runtime_error(client.error().message());
    return client.release_value();
}

// A descriptor's digest and size, read out of a manifest.
struct Blob {
    Digest digest;
    uint64_t size;
};

Blob blob_of(const nlohmann::json& descriptor)
{
    auto digest = Digest::parse(descriptor.at("digest").get<std::string>());
    if (!digest.ok())
        throw std::runtime_error(digest.error().message());
    return Blob { .digest = digest.release_value(), .size = descriptor.at("size").get<uint64_t>() };
}

test::ImageSpec app_spec()
{
    test::ImageSpec spec;
    spec.cmd = { "cat", "/etc/motd" };
    spec.extra_files = { test::ImageFile { .path = "/etc/motd", .content = "hello from the registry\n", .mode = 0644 } };
    return spec;
}

class RegistryClientTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (!test::registry_tools_available())
            GTEST_SKIP() << "docker-registry and skopeo are needed (scripts/setup.sh installs them)";
    }

    std::string path(const std::string& name) const { return m_dir.path() + "/" + name; }

    // Credentials for `registry` alone, in containers' auth.json (containers-auth.json(5)).
    void log_in(const std::string& registry, const std::string& user_password)
    {
        nlohmann::json file = { { "auths", { { registry, { { "auth", image::base64(user_password) } } } } } };
        std::filesystem::create_directories(path("run/containers"));
        std::ofstream(auth_file()) << file.dump();
    }
    std::string auth_file() const { return path("run/containers/auth.json"); }

    test::TemporaryDirectory m_dir;
    // No credentials of the machine's user are read: every file credential_store.h names is in
    // the test's directory, and only auth.json is ever written.
    ScopedEnv m_home { "HOME", m_dir.path() };
    ScopedEnv m_config { "XDG_CONFIG_HOME", m_dir.path() + "/config" };
    ScopedEnv m_runtime { "XDG_RUNTIME_DIR", m_dir.path() + "/run" };
    ScopedEnv m_docker { "DOCKER_CONFIG", m_dir.path() + "/docker" };
    // Unset, also because docker-registry would read it as its own auth.file setting (distribution
    // takes every REGISTRY_* variable as a configuration override).
    ScopedEnv m_auth_file { "REGISTRY_AUTH_FILE", std::nullopt };
};

TEST_F(RegistryClientTest, FetchesAManifestByTagAndByDigest)
{
    RegistryServer registry;
    auto written = test::write_oci_layout(path("layout"), app_spec(), "v1");
    registry.push(path("layout"), "v1", "app");
    auto client = connect(registry.address() + "/app:v1");

    auto by_tag = client.manifest("v1");
    ASSERT_TRUE(by_tag.ok()) << by_tag.error().message();
    EXPECT_EQ(by_tag.value().digest, written.manifest);
    EXPECT_EQ(by_tag.value().media_type, media_type::kOciManifest);
    EXPECT_EQ(Digest::of(by_tag.value().bytes), written.manifest);

    auto by_digest = client.manifest(written.manifest.string());
    ASSERT_TRUE(by_digest.ok()) << by_digest.error().message();
    EXPECT_EQ(by_digest.value().digest, written.manifest);
    EXPECT_EQ(by_digest.value().bytes, by_tag.value().bytes);
}

TEST_F(RegistryClientTest, DownloadsTheConfigAndEveryLayer)
{
    RegistryServer registry;
    auto written = test::write_oci_layout(path("layout"), app_spec(), "v1");
    registry.push(path("layout"), "v1", "app");
    auto client = connect(registry.address() + "/app:v1");
    auto fetched = client.manifest("v1");
    ASSERT_TRUE(fetched.ok()) << fetched.error().message();
    auto manifest = nlohmann::json::parse(fetched.value().bytes);

    std::vector<Blob> blobs { blob_of(manifest.at("config")) };
    for (const auto& layer : manifest.at("layers"))
        blobs.push_back(blob_of(layer));
    ASSERT_EQ(blobs.size(), 3u);
    EXPECT_EQ(blobs[0].digest, written.config);
    EXPECT_EQ(blobs[1].digest, written.layers.at(0));
    EXPECT_EQ(blobs[2].digest, written.layers.at(1));

    for (size_t index = 0; index < blobs.size(); ++index) {
        const auto& blob = blobs[index];
        std::string target = path("blob" + std::to_string(index));
        uint64_t last_done = 0;
        uint64_t last_total = 0;
        auto downloaded = client.download_blob(blob.digest, blob.size, target, [&](uint64_t done, uint64_t total) {
            last_done = done;
            last_total = total;
        });
        ASSERT_TRUE(downloaded.ok()) << downloaded.error().message();
        auto digest = digest_of_file(target);
        ASSERT_TRUE(digest.ok());
        EXPECT_EQ(digest.value(), blob.digest);
        EXPECT_EQ(read_file(target), read_file(path("layout/blobs/sha256/") + std::string(blob.digest.hex())));
        EXPECT_EQ(last_done, blob.size);
        EXPECT_EQ(last_total, blob.size);
    }

    // The size-less form checks the digest alone.
    auto again = client.download_blob(written.config, path("config-again"));
    ASSERT_TRUE(again.ok()) << again.error().message();
    EXPECT_EQ(read_file(path("config-again")), read_file(path("blob0")));
}

TEST_F(RegistryClientTest, NeverOverwritesAnExistingFile)
{
    RegistryServer registry;
    auto written = test::write_oci_layout(path("layout"), app_spec(), "v1");
    registry.push(path("layout"), "v1", "app");
    auto client = connect(registry.address() + "/app:v1");
    std::ofstream(path("taken")) << "mine";

    auto downloaded = client.download_blob(written.config, path("taken"));
    ASSERT_FALSE(downloaded.ok());
    EXPECT_NE(downloaded.error().message().find("File exists"), std::string::npos) << downloaded.error().message();
    EXPECT_EQ(read_file(path("taken")), "mine");
}

TEST_F(RegistryClientTest, AMultiPlatformTagIsAnIndex)
{
    RegistryServer registry;
    auto amd64 = app_spec();
    auto arm64 = app_spec();
    arm64.architecture = "arm64";
    auto written = test::write_multi_arch_layout(path("layout"), amd64, arm64, "multi");
    registry.push(path("layout"), "multi", "tools/app", PushPlatforms::All);
    auto client = connect(registry.address() + "/tools/app:multi");

    auto index = client.manifest("multi");
    ASSERT_TRUE(index.ok()) << index.error().message();
    EXPECT_TRUE(media_type::is_index(index.value().media_type)) << index.value().media_type;
    EXPECT_EQ(index.value().digest, written.index);

    auto arm = client.manifest(written.arm64.manifest.string());
    ASSERT_TRUE(arm.ok()) << arm.error().message();
    EXPECT_TRUE(media_type::is_manifest(arm.value().media_type)) << arm.value().media_type;
    auto config = nlohmann::json::parse(arm.value().bytes).at("config");
    auto downloaded = client.download_blob(blob_of(config).digest, blob_of(config).size, path("arm64-config"));
    ASSERT_TRUE(downloaded.ok()) << downloaded.error().message();
    EXPECT_NE(read_file(path("arm64-config")).find("\"arm64\""), std::string::npos);
}

TEST_F(RegistryClientTest, TokenAuthWorksWithCredentials)
{
    RegistryServer registry(RegistryAuth::Token);
    auto written = test::write_oci_layout(path("layout"), app_spec(), "v1");
    registry.push(path("layout"), "v1", "private/app");
    log_in(registry.address(), std::string(RegistryServer::kUser) + ":" + RegistryServer::kPassword);
    auto client = connect(registry.address() + "/private/app:v1");

    auto fetched = client.manifest("v1");
    ASSERT_TRUE(fetched.ok()) << fetched.error().message() << "\n" << registry.log();
    EXPECT_EQ(fetched.value().digest, written.manifest);
    auto downloaded = client.download_blob(written.layers.at(1), path("layer"));
    ASSERT_TRUE(downloaded.ok()) << downloaded.error().message();
    auto digest = digest_of_file(path("layer"));
    ASSERT_TRUE(digest.ok());
    EXPECT_EQ(digest.value(), written.layers.at(1));
}

TEST_F(RegistryClientTest, TokenAuthWithoutCredentialsSaysHowToGiveThem)
{
    RegistryServer registry(RegistryAuth::Token);
    test::write_oci_layout(path("layout"), app_spec(), "v1");
    registry.push(path("layout"), "v1", "private/app");
    auto client = connect(registry.address() + "/private/app:v1");

    auto fetched = client.manifest("v1");
    ASSERT_FALSE(fetched.ok());
    EXPECT_EQ(fetched.error().message(),
        "authentication required by " + registry.address() + " (log in with 'vmlet login " + registry.address() + "')");
}

TEST_F(RegistryClientTest, TokenAuthWithAWrongPasswordFails)
{
    RegistryServer registry(RegistryAuth::Token);
    auto written = test::write_oci_layout(path("layout"), app_spec(), "v1");
    registry.push(path("layout"), "v1", "private/app");
    log_in(registry.address(), std::string(RegistryServer::kUser) + ":wrong");
    auto client = connect(registry.address() + "/private/app:v1");

    auto fetched = client.manifest("v1");
    ASSERT_FALSE(fetched.ok());
    EXPECT_EQ(fetched.error().message(),
        "authentication to " + registry.address() + " failed: the credentials for it in " + auth_file() + " were rejected");
    auto downloaded = client.download_blob(written.config, path("config"));
    ASSERT_FALSE(downloaded.ok());
    EXPECT_FALSE(exists(path("config")));
}

TEST_F(RegistryClientTest, MalformedCredentialsAreRefusedAtConnect)
{
    log_in("127.0.0.1:5000", "no-colon-here");
    auto reference = Reference::parse("127.0.0.1:5000/app");
    ASSERT_TRUE(reference.ok());
    auto client = RegistryClient::connect(reference.value());
    ASSERT_FALSE(client.ok());
    EXPECT_EQ(client.error().message(), auth_file() + ": the \"auth\" of \"127.0.0.1:5000\" is not base64 of user:password");
}

TEST_F(RegistryClientTest, ARegistryThatIsDownIsUnreachable)
{
    std::string address = "127.0.0.1:" + std::to_string(test::unused_port());
    auto client = connect(address + "/app:v1");
    auto fetched = client.manifest("v1");
    ASSERT_FALSE(fetched.ok());
    EXPECT_EQ(fetched.error().message(), "registry " + address + " is unreachable: Connection refused");
}

TEST_F(RegistryClientTest, AnUnknownTagIsAnUnknownManifest)
{
    RegistryServer registry;
    test::write_oci_layout(path("layout"), app_spec(), "v1");
    registry.push(path("layout"), "v1", "app");
    auto client = connect(registry.address() + "/app:v1");

    auto fetched = client.manifest("nope");
    ASSERT_FALSE(fetched.ok());
    EXPECT_EQ(fetched.error().message(), "manifest unknown: " + registry.address() + "/app:nope");

    auto elsewhere = connect(registry.address() + "/nothing-here");
    auto missing = elsewhere.manifest("latest");
    ASSERT_FALSE(missing.ok());
    EXPECT_TRUE(missing.error().message().starts_with("manifest unknown: " + registry.address() + "/nothing-here:latest"))
        << missing.error().message();
}

TEST_F(RegistryClientTest, AnUnknownBlobIsReportedAndLeavesNoFile)
{
    RegistryServer registry;
    test::write_oci_layout(path("layout"), app_spec(), "v1");
    registry.push(path("layout"), "v1", "app");
    auto client = connect(registry.address() + "/app:v1");
    auto absent = Digest::of(std::string_view("never pushed"));

    auto downloaded = client.download_blob(absent, path("absent"));
    ASSERT_FALSE(downloaded.ok());
    EXPECT_EQ(downloaded.error().message(), "blob unknown: " + absent.string() + " in " + registry.address() + "/app");
    EXPECT_FALSE(exists(path("absent")));
}

// A fake registry that answers every blob with `body`, and manifests as the handler says.
class LyingRegistry {
public:
    explicit LyingRegistry(std::string blob_body)
        : m_server([body = std::move(blob_body)](const test::HttpRequest& request) {
            if (request.path().find("/blobs/") != std::string::npos)
                return test::HttpResponse { .status = 200, .headers = { { "Content-Type", "application/octet-stream" } }, .body = body };
            return test::HttpResponse { .status = 404, .headers = {}, .body = R"({"errors":[{"code":"NOT_FOUND"}]})" };
        })
    {
    }
    std::string address() const { return m_server.address(); }

private:
    test::TinyHttpServer m_server;
};

TEST_F(RegistryClientTest, ABlobWhoseBytesDoNotMatchItsDigestIsRemoved)
{
    std::string promised = "the bytes the manifest promised\n";
    std::string sent = "the bytes a broken mirror sent!\n";
    ASSERT_EQ(promised.size(), sent.size());
    LyingRegistry registry(sent);
    auto client = connect(registry.address() + "/app:v1");
    auto digest = Digest::of(std::string_view(promised));

    auto downloaded = client.download_blob(digest, promised.size(), path("blob"));
    ASSERT_FALSE(downloaded.ok());
    EXPECT_EQ(downloaded.error().message(),
        "blob " + digest.string() + " does not match its digest (got " + Digest::of(std::string_view(sent)).string() + ")");
    EXPECT_FALSE(exists(path("blob")));

    auto sizeless = client.download_blob(digest, path("blob"));
    ASSERT_FALSE(sizeless.ok());
    EXPECT_NE(sizeless.error().message().find("does not match its digest"), std::string::npos);
    EXPECT_FALSE(exists(path("blob")));
}

TEST_F(RegistryClientTest, ABlobLongerThanItsDescriptorIsCutOff)
{
    LyingRegistry registry(std::string(1 << 20, 'x'));
    auto client = connect(registry.address() + "/app:v1");
    auto digest = Digest::of(std::string_view("small"));

    auto downloaded = client.download_blob(digest, 5, path("blob"));
    ASSERT_FALSE(downloaded.ok());
    EXPECT_EQ(downloaded.error().message(), "blob " + digest.string() + " is larger than the 5 bytes its descriptor says");
    EXPECT_FALSE(exists(path("blob")));
}

TEST_F(RegistryClientTest, AManifestMustMatchTheDigestAskedFor)
{
    std::string manifest = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"})";
    test::TinyHttpServer server([&](const test::HttpRequest&) {
        return test::HttpResponse { .status = 200, .headers = { { "Content-Type", std::string(media_type::kOciManifest) } }, .body = manifest };
    });
    auto client = connect(server.address() + "/app");
    auto other = Digest::of(std::string_view("another manifest"));

    auto fetched = client.manifest(other.string());
    ASSERT_FALSE(fetched.ok());
    EXPECT_EQ(fetched.error().message(), "manifest " + server.address() + "/app@" + other.string() + " does not match its digest (got "
            + Digest::of(std::string_view(manifest)).string() + ")");
    auto requests = server.requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_NE(requests[0].header("accept").find(media_type::kDockerManifestList), std::string::npos);
}

TEST_F(RegistryClientTest, AManifestOverFourMebibytesIsRefused)
{
    test::TinyHttpServer server([](const test::HttpRequest&) {
        return test::HttpResponse { .status = 200, .headers = { { "Content-Type", std::string(media_type::kOciIndex) } },
            .body = std::string((4 << 20) + 1, ' ') };
    });
    auto client = connect(server.address() + "/app");
    auto fetched = client.manifest("latest");
    ASSERT_FALSE(fetched.ok());
    EXPECT_EQ(fetched.error().message(), server.address() + " sent a manifest larger than 4194304 bytes, the cap VMLET_MAX_MANIFEST_SIZE sets");
}

// Basic auth for the registry, then a redirect of the blob to another host (as registries do to
// S3 or a CDN): the credentials must not follow.
TEST_F(RegistryClientTest, CredentialsDoNotFollowARedirectToAnotherHost)
{
    std::string content = "layer bytes on a storage host\n";
    test::TinyHttpServer storage([&](const test::HttpRequest&) {
        return test::HttpResponse { .status = 200, .headers = {}, .body = content };
    });
    test::TinyHttpServer registry([&](const test::HttpRequest& request) {
        if (request.header("authorization").empty())
            return test::HttpResponse { .status = 401, .headers = { { "WWW-Authenticate", R"(Basic realm="test")" } }, .body = {} };
        // "localhost" is another host than "127.0.0.1" to libcurl, though it is the same machine.
        return test::HttpResponse { .status = 307, .headers = { { "Location", "http://localhost:" + std::to_string(storage.port()) + "/blob" } }, .body = {} };
    });
    log_in(registry.address(), "user:pass");
    auto client = connect(registry.address() + "/app");
    auto digest = Digest::of(std::string_view(content));

    auto downloaded = client.download_blob(digest, content.size(), path("blob"));
    ASSERT_TRUE(downloaded.ok()) << downloaded.error().message();
    EXPECT_EQ(read_file(path("blob")), content);
    auto to_registry = registry.requests();
    ASSERT_EQ(to_registry.size(), 2u);
    EXPECT_EQ(to_registry[1].header("authorization"), "Basic dXNlcjpwYXNz");
    auto to_storage = storage.requests();
    ASSERT_EQ(to_storage.size(), 1u);
    EXPECT_EQ(to_storage[0].header("authorization"), "");
}

// A registry asking for Basic auth, serving `content` as every blob to whoever sends any.
test::TinyHttpServer::Handler basic_registry(const std::string& content)
{
    return [content](const test::HttpRequest& request) {
        if (request.header("authorization").empty())
            return test::HttpResponse { .status = 401, .headers = { { "WWW-Authenticate", R"(Basic realm="test")" } }, .body = {} };
        return test::HttpResponse { .status = 200, .headers = {}, .body = content };
    };
}

// Two registries on loopback, credentials for one: the other never sees them, though it asks.
TEST_F(RegistryClientTest, CredentialsGoOnlyToTheRegistryTheyAreFor)
{
    std::string content = "layer bytes\n";
    auto digest = Digest::of(std::string_view(content));
    test::TinyHttpServer mine(basic_registry(content));
    test::TinyHttpServer other(basic_registry(content));
    log_in(mine.address(), "user:pass");

    auto from_other = connect(other.address() + "/app").download_blob(digest, content.size(), path("other"));
    ASSERT_FALSE(from_other.ok());
    EXPECT_EQ(from_other.error().message(), "authentication required by " + other.address() + " (log in with 'vmlet login " + other.address() + "')");
    ASSERT_FALSE(other.requests().empty());
    for (const auto& request : other.requests())
        EXPECT_EQ(request.header("authorization"), "") << request.target;

    auto from_mine = connect(mine.address() + "/app").download_blob(digest, content.size(), path("mine"));
    ASSERT_TRUE(from_mine.ok()) << from_mine.error().message();
    EXPECT_EQ(mine.requests().back().header("authorization"), "Basic dXNlcjpwYXNz");
}

// A registry naming a token realm over plain http on another host (127.0.0.2 is loopback too, but
// not the registry's host): the credentials are not sent there, and the error says why.
TEST_F(RegistryClientTest, CredentialsGoToNoPlainHttpTokenRealmOnAnotherHost)
{
    test::TinyHttpServer realm([](const test::HttpRequest&) {
        return test::HttpResponse { .status = 200, .headers = {}, .body = R"({"token":"t"})" };
    }, "127.0.0.2");
    std::string realm_url = "http://" + realm.address() + "/token";
    test::TinyHttpServer registry([&](const test::HttpRequest&) {
        return test::HttpResponse { .status = 401,
            .headers = { { "WWW-Authenticate", "Bearer realm=\"" + realm_url + "\",service=\"test\"" } }, .body = {} };
    });
    log_in(registry.address(), "user:pass");

    auto fetched = connect(registry.address() + "/app").manifest("latest");
    ASSERT_FALSE(fetched.ok());
    EXPECT_EQ(fetched.error().message(), "registry " + registry.address() + " sends its credentials to the token service " + realm_url
            + ", which is neither https nor its own loopback host: refused");
    EXPECT_TRUE(realm.requests().empty());
}

// A manifest an index describes: over the cap by its descriptor, it is not asked for; a registry
// sending more than the descriptor says is cut off there.
TEST_F(RegistryClientTest, AManifestIsTakenOnlyUpToItsDeclaredSize)
{
    std::string manifest(2000, ' ');
    test::TinyHttpServer server([&](const test::HttpRequest&) {
        return test::HttpResponse { .status = 200, .headers = { { "Content-Type", std::string(media_type::kOciManifest) } }, .body = manifest };
    });
    auto digest = Digest::of(std::string_view(manifest)).string();
    auto reference = Reference::parse(server.address() + "/app");
    ASSERT_TRUE(reference.ok());
    auto client = RegistryClient::connect(reference.value(), 1000);
    ASSERT_TRUE(client.ok());

    auto over_cap = client.value().manifest(digest, 1001);
    ASSERT_FALSE(over_cap.ok());
    EXPECT_EQ(over_cap.error().message(), "manifest " + server.address() + "/app@" + digest
            + " is 1001 bytes by its descriptor, more than 1000, the cap VMLET_MAX_MANIFEST_SIZE sets");
    EXPECT_TRUE(server.requests().empty());

    auto longer = client.value().manifest(digest, 100);
    ASSERT_FALSE(longer.ok());
    EXPECT_EQ(longer.error().message(),
        server.address() + " sent more than the 100 bytes the descriptor of manifest " + server.address() + "/app@" + digest + " says");
}

}
}
