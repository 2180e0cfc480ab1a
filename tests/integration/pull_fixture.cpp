#include "tests/integration/pull_fixture.h"

#include "containers/image/media_types.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace vmlet::test {

namespace {

namespace fs = std::filesystem;

std::string read_whole(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    return { std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>() };
}

}

void Pull::SetUp()
{
    if (!registry_tools_available())
        GTEST_SKIP() << "docker-registry or skopeo is not installed (scripts/setup.sh installs them)";
    for (const auto& directory : { home(), runtime_dir() })
        fs::create_directories(directory);
}

ProcessResult Pull::vmlet(std::vector<std::string> arguments, std::map<std::string, std::string> environment, const std::string& input)
{
    arguments.insert(arguments.begin(), { "--root", root() });
    // Empty is unset to vmlet (ProcessOptions can only add variables).
    std::map<std::string, std::string> isolated { { "HOME", home() }, { "XDG_RUNTIME_DIR", runtime_dir() },
        { "XDG_CONFIG_HOME", home() + "/.config" }, { "DOCKER_CONFIG", "" }, { "REGISTRY_AUTH_FILE", "" } };
    environment.merge(isolated); // keeps the test's own values
    return run_vmlet(arguments, { .timeout = std::chrono::seconds(120), .environment = std::move(environment), .input = input });
}

void Pull::expect_failure(const ProcessResult& result, const std::string& expected)
{
    EXPECT_EQ(result.exit_code, 125) << result.out;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << "not one line: " << result.err;
    EXPECT_NE(result.err.find(expected), std::string::npos) << "expected '" << expected << "' in: " << result.err;
    // Nothing registered and nothing half-stored.
    for (const char* directory : { "images", "layers", "blobs/sha256", "tmp" })
        EXPECT_TRUE(!fs::exists(root() + "/" + directory) || fs::is_empty(root() + "/" + directory)) << directory;
}

std::string Pull::inspect_id(const std::string& name)
{
    auto result = vmlet({ "inspect", name });
    EXPECT_EQ(result.exit_code, 0) << result.err;
    auto parsed = nlohmann::json::parse(result.out, nullptr, false);
    return parsed.is_array() && !parsed.empty() ? parsed[0]["Id"].get<std::string>() : "";
}

ImageSpec app_spec()
{
    ImageSpec spec;
    spec.cmd = { "echo", "pulled" };
    spec.extra_files = { { "/etc/app.conf", "mode=pulled\n", 0644 } };
    return spec;
}

TinyHttpServer::Handler serve_layout(const std::string& directory, const WrittenImage& image, BlobHook on_blob)
{
    auto blob = [directory](const image::Digest& digest) { return read_whole(directory + "/blobs/sha256/" + std::string(digest.hex())); };
    std::string manifest = blob(image.manifest);
    return [=](const HttpRequest& request) {
        auto path = request.path();
        if (path == "/v2/")
            return HttpResponse { .status = 200, .headers = {}, .body = "{}" };
        if (path.find("/manifests/") != std::string::npos) {
            return HttpResponse { .status = 200, .headers = { { "Content-Type", std::string(image::media_type::kOciManifest) } },
                .body = manifest };
        }
        auto at = path.find("/blobs/");
        auto digest = image::Digest::parse(at == std::string::npos ? "" : path.substr(at + 7));
        if (!digest.ok() || !fs::exists(directory + "/blobs/sha256/" + std::string(digest.value().hex())))
            return HttpResponse { .status = 404, .headers = {}, .body = R"({"errors":[{"code":"BLOB_UNKNOWN"}]})" };
        if (on_blob)
            on_blob(digest.value());
        return HttpResponse { .status = 200, .headers = {}, .body = blob(digest.value()) };
    };
}

}
