#include "containers/cli/pull_command.h"

#include "containers/cli/image_pull_output.h"
#include "containers/cli/with_image_store.h"
#include "containers/registry/image_puller.h"
#include "containers/image/image_removal.h"

#include <fmt/format.h>

#include <memory>

namespace vmlet {

namespace {

struct PullOptions {
    std::string reference, platform;
};

Result<void> pull(const image::Store& store, const image::ImageIndex& index, const PullOptions& options)
{
    auto reference = TRY(image::Reference::parse(options.reference));
    auto platform = options.platform.empty() ? image::Platform::host() : TRY(image::Platform::parse(options.platform));
    fmt::print("{}: Pulling from {}\n", reference.digest.empty() ? reference.tag : reference.digest, reference.repository);
    std::fflush(stdout);
    PullOutput output(stdout);
    auto pulled = image::pull_image(store, index, reference, platform, output);
    if (!pulled.ok()) {
        // A failed pull registers no image; what it stored of one goes too.
        (void)image::collect_garbage(store, index);
        return pulled.release_error();
    }
    auto familiar = reference.familiar_repository() + (reference.digest.empty() ? ":" + reference.tag : "@" + reference.digest);
    fmt::print("Digest: {}\n", pulled.value().digest.string());
    fmt::print("Status: {} for {}\n", pulled.value().downloaded_any ? "Downloaded newer image" : "Image is up to date", familiar);
    fmt::print("{}\n", reference.canonical());
    return {};
}

}

Command add_pull_command(CLI::App& app, const GlobalOptions& global)
{
    auto options = std::make_shared<PullOptions>();
    auto* command = app.add_subcommand("pull", "Download an image from a registry (anonymous, or VMLET_REGISTRY_AUTH=user:password)");
    command->add_option("image", options->reference, "NAME[:TAG|@DIGEST], e.g. busybox, localhost:5000/app:1")->required();
    command->add_option("--platform", options->platform, "From a multi-platform image, the one to pull (os/arch[/variant]; default: this host's)");
    return { command, [options, &global] {
                return with_image_store(global, StoreAccess::Change, [&](const image::Store& store, const image::ImageIndex& index) {
                    return pull(store, index, *options);
                });
            } };
}

}
