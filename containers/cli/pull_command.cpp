#include "containers/cli/pull_command.h"

#include "containers/cli/image_limits_environment.h"
#include "containers/cli/image_pull_output.h"
#include "containers/registry/image_puller.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>
#include <memory>
#include <string_view>

namespace vmlet {

namespace {

struct PullOptions {
    std::string reference, platform;
};

Result<std::chrono::seconds> seconds_from_environment(const char* variable, std::chrono::seconds fallback)
{
    const char* text = std::getenv(variable);
    if (!text || !*text)
        return fallback;
    std::string_view value(text);
    int64_t seconds = 0;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (error != std::errc() || end != value.data() + value.size() || seconds < 0)
        return make_error("{} must be a number of seconds (0 for no limit), not '{}'", variable, value);
    return std::chrono::seconds(seconds);
}

Result<void> pull(const GlobalOptions& global, const PullOptions& options)
{
    auto store = TRY(image::Store::open(global.root));
    auto reference = TRY(image::Reference::parse(options.reference));
    auto platform = options.platform.empty() ? image::Platform::host() : TRY(image::Platform::parse(options.platform));
    auto limits = TRY(pull_limits_from_environment());
    fmt::print("{}: Pulling from {}\n", reference.digest.empty() ? reference.tag : reference.digest, reference.repository);
    std::fflush(stdout);
    PullOutput output(stdout);
    auto pulled = TRY(image::pull_image(store, reference, platform, output, limits));
    auto familiar = reference.familiar_repository() + (reference.digest.empty() ? ":" + reference.tag : "@" + reference.digest);
    fmt::print("Digest: {}\n", pulled.digest.string());
    fmt::print("Status: {} for {}\n", pulled.downloaded_any ? "Downloaded newer image" : "Image is up to date", familiar);
    fmt::print("{}\n", reference.canonical());
    return {};
}

}

Result<image::PullLimits> pull_limits_from_environment()
{
    image::PullLimits limits;
    limits.timeout = TRY(seconds_from_environment(image::kPullTimeoutVariable, limits.timeout));
    limits.image = TRY(image_limits_from_environment());
    return limits;
}

Command add_pull_command(CLI::App& app, const GlobalOptions& global)
{
    auto options = std::make_shared<PullOptions>();
    auto* command = app.add_subcommand("pull", "Download an image from a registry (anonymous, or as vmlet login, podman login or docker login left credentials for it)");
    command->add_option("image", options->reference, "NAME[:TAG|@DIGEST], e.g. busybox, localhost:5000/app:1")->required();
    command->add_option("--platform", options->platform, "From a multi-platform image, the one to pull (os/arch[/variant]; default: this host's)");
    // No lock here: pull_image takes the store's exclusive lock only to commit what it downloaded.
    return { command, [options, &global] {
                auto pulled = pull(global, *options);
                return pulled.ok() ? 0 : fail(pulled.error().message());
            } };
}

}
