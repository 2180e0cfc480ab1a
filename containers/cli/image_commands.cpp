#include "containers/cli/image_commands.h"

#include "containers/cli/container_inspect.h"
#include "containers/cli/go_template.h"
#include "containers/cli/human_units.h"
#include "containers/cli/image_limits_environment.h"
#include "containers/cli/with_image_store.h"
#include "containers/image/image_loader.h"
#include "containers/image/image_removal.h"
#include "containers/image/json_fields.h"
#include "containers/runtime/container_store.h"
#include "containers/runtime/vm/vm_template.h"

#include <fmt/format.h>

#include <fnmatch.h>

#include <algorithm>
#include <functional>
#include <memory>

namespace vmlet {

using image::ImageIndex;
using image::ImageRecord;
using image::Reference;
using image::Store;
using Json = image::json_fields::Json;

namespace {

// The name as docker prints it: "busybox:latest", "localhost:5000/app:1".
std::string familiar(const std::string& canonical)
{
    auto reference = Reference::parse(canonical);
    if (!reference.ok())
        return canonical;
    return reference.value().familiar_repository() + ":" + reference.value().tag;
}

struct LoadOptions {
    std::string input, directory, platform;
};

Result<void> load(const Store& store, const ImageIndex& index, const LoadOptions& options)
{
    auto platform = options.platform.empty() ? image::Platform::host() : TRY(image::Platform::parse(options.platform));
    auto limits = TRY(image_limits_from_environment());
    auto loaded = options.directory.empty() ? image::load_image_archive(store, index, options.input, platform, limits)
                                            : image::load_image_directory(store, index, options.directory, platform, limits);
    if (!loaded.ok()) {
        // What a failed load fetched or unpacked belongs to no image: take it away again.
        (void)image::collect_garbage(store, index);
        return loaded.release_error();
    }
    for (const auto& record : loaded.value()) {
        for (const auto& tag : record.tags)
            fmt::print("Loaded image: {}\n", familiar(tag));
        if (record.tags.empty())
            fmt::print("Loaded image ID: {}\n", record.id.string());
    }
    return {};
}

Command add_load(CLI::App& app, const GlobalOptions& global)
{
    auto options = std::make_shared<LoadOptions>();
    auto* load_command = app.add_subcommand("load", "Load images from a `docker save` archive or an OCI image layout (archive or directory)");
    auto* input = load_command->add_option("-i,--input", options->input, "A tar archive (plain, gzip or zstd) from `docker save` or an OCI layout");
    auto* directory = load_command->add_option("--dir", options->directory, "An OCI image layout directory");
    input->excludes(directory);
    load_command->add_option("--platform", options->platform, "From a multi-platform image, the one to load (os/arch[/variant]; default: this host's)");
    return { load_command, [options, &global] {
                if (options->input.empty() && options->directory.empty())
                    return fail("load: give an archive with -i FILE or a layout directory with --dir DIR");
                return with_image_store(global, StoreAccess::Change, [&](const Store& store, const ImageIndex& index) { return load(store, index, *options); });
            } };
}

struct ImagesOptions {
    std::string format = "table";
    bool quiet = false;
    std::vector<std::string> filters;
};

struct ImageRow {
    std::string repository, tag;
    const ImageRecord* image;
};

// docker images --filter (https://docs.docker.com/engine/reference/commandline/images/#filter):
// dangling=true|false and reference=PATTERN (a glob, fnmatch(3), on REPOSITORY or REPOSITORY:TAG);
// values of one key are alternatives, keys all apply. Others are refused in one line.
Result<std::function<bool(const ImageRow&)>> image_filter(const std::vector<std::string>& filters)
{
    std::vector<bool> dangling;
    std::vector<std::string> references;
    for (const auto& text : filters) {
        auto equals = text.find('=');
        auto key = text.substr(0, equals == std::string::npos ? 0 : equals), value = text.substr(equals + 1);
        if (key == "dangling" && (value == "true" || value == "false"))
            dangling.push_back(value == "true");
        else if (key == "reference" && !value.empty())
            references.push_back(value);
        else
            return make_error("invalid filter '{}' (vmlet images filters by dangling=true|false and reference=PATTERN)", text);
    }
    return std::function<bool(const ImageRow&)>([dangling, references](const ImageRow& row) {
        bool is_dangling = row.image->tags.empty();
        bool dangling_ok = dangling.empty() || std::ranges::find(dangling, is_dangling) != dangling.end();
        bool reference_ok = references.empty() || std::ranges::any_of(references, [&](const std::string& pattern) {
            auto named = row.repository + ":" + row.tag;
            return !is_dangling && (::fnmatch(pattern.c_str(), row.repository.c_str(), 0) == 0 || ::fnmatch(pattern.c_str(), named.c_str(), 0) == 0);
        });
        return dangling_ok && reference_ok;
    });
}

std::vector<ImageRow> image_rows(const std::vector<ImageRecord>& images)
{
    std::vector<ImageRow> rows;
    for (const auto& image : images) {
        for (const auto& name : image.tags) {
            auto reference = Reference::parse(name);
            if (reference.ok())
                rows.push_back({ reference.value().familiar_repository(), reference.value().tag, &image });
        }
        if (image.tags.empty())
            rows.push_back({ "<none>", "<none>", &image });
    }
    // Newest first, as docker lists them; then by name.
    std::sort(rows.begin(), rows.end(), [](const ImageRow& a, const ImageRow& b) {
        return std::tie(b.image->created, a.repository, a.tag) < std::tie(a.image->created, b.repository, b.tag);
    });
    return rows;
}

Result<void> list_images(const ImageIndex& index, const ImagesOptions& options)
{
    auto matches = TRY(image_filter(options.filters));
    auto images = TRY(index.all());
    auto now = std::time(nullptr);
    auto rows = image_rows(images);
    std::erase_if(rows, [&](const ImageRow& row) { return !matches(row); });
    if (options.quiet) {
        for (const auto& row : rows)
            fmt::print("{}\n", row.image->id.short_hex());
        return {};
    }
    if (options.format != "table") {
        // json: one object per line, as `docker images --format json` prints them; else a Go template of those keys.
        std::string lines;
        for (const auto& row : rows) {
            Json line = { { "Repository", row.repository }, { "Tag", row.tag }, { "ID", std::string(row.image->id.short_hex()) },
                { "Digest", row.image->manifest.string() }, { "CreatedAt", row.image->created },
                { "CreatedSince", time_ago(row.image->created, now) }, { "Size", human_size(row.image->size()) },
                { "VirtualSize", row.image->size() }, { "Platform", row.image->platform } };
            lines += (options.format == "json" ? line.dump() : TRY(render_go_template(options.format, line))) + "\n";
        }
        fmt::print("{}", lines);
        return {};
    }
    fmt::print("{:<40} {:<16} {:<14} {:<20} {}\n", "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
    for (const auto& row : rows)
        fmt::print("{:<40} {:<16} {:<14} {:<20} {}\n", row.repository, row.tag, row.image->id.short_hex(), time_ago(row.image->created, now),
            human_size(row.image->size()));
    return {};
}

Command add_images(CLI::App& app, const GlobalOptions& global)
{
    auto options = std::make_shared<ImagesOptions>();
    auto* images = app.add_subcommand("images", "List the images in the store");
    images->add_option("--format", options->format, "table, json (one object per line) or a Go template such as '{{.Repository}}:{{.Tag}}'")->capture_default_str();
    images->add_option("-f,--filter", options->filters, "Only those matching: dangling=true|false, reference=PATTERN (repeatable)")->allow_extra_args(false);
    images->add_flag("-q,--quiet", options->quiet, "Only the image ids");
    return { images, [options, &global] {
                return with_image_store(global, StoreAccess::Read, [&](const Store&, const ImageIndex& index) { return list_images(index, *options); });
            } };
}

// `docker image inspect`: the image's identity and its config's run settings, from the config blob.
Result<Json> inspect_one(const Store& store, const ImageIndex& index, const std::string& name)
{
    auto image = TRY(index.find(name));
    auto config_bytes = TRY(store.read_blob(image.id));
    auto config = Json::parse(config_bytes, nullptr, false);
    Json tags = Json::array(), layers = Json::array();
    for (const auto& tag : image.tags)
        tags.push_back(familiar(tag));
    for (const auto& layer : image.layers)
        layers.push_back(layer.diff_id.string());
    return Json {
        { "Id", image.id.string() },
        { "RepoTags", tags },
        { "Manifest", image.manifest.string() },
        { "Created", image.created },
        { "Platform", image.platform },
        { "Config", config.is_object() && config.contains("config") ? config["config"] : Json::object() },
        { "RootFS", { { "Type", "layers" }, { "Layers", layers } } },
        { "Size", image.size() },
    };
}

struct InspectOptions {
    std::vector<std::string> names;
    std::string format;
};

// docker inspect: a container by that name first, else an image (Docker looks in that order too).
Command add_inspect(CLI::App& app, const GlobalOptions& global)
{
    auto options = std::make_shared<InspectOptions>();
    auto* inspect = app.add_subcommand("inspect", "Show containers' or images' details as JSON");
    inspect->add_option("name", options->names, "Container or image names or ids")->required();
    inspect->add_option("-f,--format", options->format, "A Go template of each one's fields, as docker's: '{{.State.Status}}', '{{json .Mounts}}'");
    return { inspect, [options, &global] {
                return with_image_store(global, StoreAccess::Read, [&](const Store& store, const ImageIndex& index) -> Result<void> {
                    Json all = Json::array();
                    for (const auto& name : options->names) {
                        if (auto container = inspect_container_named(global.root, name)) {
                            all.push_back(std::move(*container));
                            continue;
                        }
                        // Neither: the image's error says why (no such image, a bad name).
                        all.push_back(TRY(inspect_one(store, index, name)));
                    }
                    return print_inspected(all, options->format);
                });
            } };
}

struct TagOptions {
    std::string source, target;
};

Command add_tag(CLI::App& app, const GlobalOptions& global)
{
    auto options = std::make_shared<TagOptions>();
    auto* tag = app.add_subcommand("tag", "Give an image another name");
    tag->add_option("source", options->source, "An image name or id")->required();
    tag->add_option("target", options->target, "The new name, NAME[:TAG]")->required();
    return { tag, [options, &global] {
                return with_image_store(global, StoreAccess::Change, [&](const Store&, const ImageIndex& index) -> Result<void> {
                    auto image = TRY(index.find(options->source));
                    auto target = TRY(Reference::parse(options->target));
                    if (!target.digest.empty())
                        return make_error("'{}': a tag cannot name a digest", options->target);
                    return index.tag(target, image.id);
                });
            } };
}

struct RmiOptions {
    std::vector<std::string> names;
    bool force = false;
};

Command add_rmi(CLI::App& app, const GlobalOptions& global)
{
    auto options = std::make_shared<RmiOptions>();
    auto* rmi = app.add_subcommand("rmi", "Remove images, or names of images");
    rmi->add_option("image", options->names, "Image names or ids")->required();
    rmi->add_flag("-f,--force", options->force, "Remove an image given by id even if it has several names");
    return { rmi, [options, &global] {
                return with_image_store(global, StoreAccess::Change, [&](const Store& store, const ImageIndex& index) -> Result<void> {
                    auto containers = TRY(ContainerStore::open(global.root));
                    auto records = TRY(containers.all());
                    auto user = [&](const image::Digest& id) -> std::optional<std::string> {
                        for (const auto& record : records) {
                            if (record.image_id == id.string())
                                return record.name;
                        }
                        return std::nullopt;
                    };
                    for (const auto& name : options->names) {
                        for (const auto& line : TRY(image::remove_image(store, index, name, options->force, user)))
                            fmt::print("{}\n", line);
                    }
                    // A removed image's disk is gone, and with it what its VM templates need.
                    TRY(VmTemplates(store.root()).prune());
                    return {};
                });
            } };
}

}

std::vector<Command> add_image_commands(CLI::App& app, const GlobalOptions& global)
{
    return { add_load(app, global), add_images(app, global), add_inspect(app, global), add_tag(app, global), add_rmi(app, global) };
}

}
