#include "containers/image/image_index.h"

#include "vmm/base/file.h"
#include "containers/image/durable_file.h"
#include "containers/image/json_fields.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <numeric>

namespace vmlet::image {

using namespace json_fields;

namespace {

constexpr size_t kMaxRecord = 1 << 20;
constexpr size_t kMaxTags = 16 << 20;
constexpr size_t kMinShortId = 4;

Json record_json(const ImageRecord& record)
{
    Json layers = Json::array();
    for (const auto& layer : record.layers)
        layers.push_back({ { "blob", layer.blob.string() }, { "diff_id", layer.diff_id.string() }, { "size", layer.size } });
    return {
        { "id", record.id.string() },
        { "manifest", record.manifest.string() },
        { "platform", record.platform },
        { "created", record.created },
        { "layers", layers },
    };
}

Result<LayerRecord> parse_layer(const Json& layer)
{
    if (!layer.is_object() || !layer.contains("size") || !layer["size"].is_number_unsigned())
        return make_error("a layer entry is malformed");
    auto blob = TRY(required_string(layer, "blob"));
    auto diff_id = TRY(required_string(layer, "diff_id"));
    // No TRY in the braces: under clang the first digest leaked when the second failed (as in
    // oci_manifest.cpp's parse_descriptor).
    auto blob_digest = TRY(Digest::parse(blob));
    auto diff_digest = TRY(Digest::parse(diff_id));
    return LayerRecord { std::move(blob_digest), std::move(diff_digest), layer["size"].get<uint64_t>() };
}

Result<ImageRecord> parse_record(std::string_view text)
{
    auto object = TRY(parse_object(text, "the image record"));
    auto id = TRY(required_string(object, "id"));
    auto manifest = TRY(required_string(object, "manifest"));
    // Outside the braces, as in parse_layer.
    auto id_digest = TRY(Digest::parse(id));
    auto manifest_digest = TRY(Digest::parse(manifest));
    ImageRecord record { .id = std::move(id_digest), .manifest = std::move(manifest_digest), .platform = {}, .created = {}, .layers = {}, .tags = {} };
    record.platform = TRY(string_or_empty(object, "platform"));
    record.created = TRY(string_or_empty(object, "created"));
    if (const Json* layers = TRY(array_or_null(object, "layers"))) {
        for (const auto& layer : *layers)
            record.layers.push_back(TRY(parse_layer(layer)));
    }
    return record;
}

bool short_id_syntax(std::string_view text)
{
    if (text.starts_with("sha256:"))
        text.remove_prefix(7);
    return text.size() >= kMinShortId && text.size() <= 64 && text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}

uint64_t ImageRecord::size() const
{
    return std::accumulate(layers.begin(), layers.end(), uint64_t { 0 }, [](uint64_t sum, const LayerRecord& layer) { return sum + layer.size; });
}

std::vector<std::string> overlay_lower_dirs(const Store& store, const ImageRecord& image)
{
    std::vector<std::string> dirs;
    for (auto layer = image.layers.rbegin(); layer != image.layers.rend(); ++layer)
        dirs.push_back(store.layer_path(layer->diff_id));
    return dirs;
}

ImageIndex::ImageIndex(const Store& store)
    : m_root(store.root())
{
    std::error_code ignored;
    std::filesystem::create_directories(m_root + "/images", ignored);
}

std::string ImageIndex::record_path(const Digest& id) const
{
    return fmt::format("{}/images/{}.json", m_root, id.hex());
}

Result<void> ImageIndex::add(const ImageRecord& record) const
{
    return write_file_durably(record_path(record.id), record_json(record).dump(2));
}

Result<ImageRecord> ImageIndex::read_record(const Digest& id) const
{
    auto text = TRY(read_small_file(record_path(id), kMaxRecord));
    auto record = TRY_CONTEXT(parse_record(text), record_path(id));
    for (const auto& [name, target] : TRY(read_tags())) {
        if (target == id)
            record.tags.push_back(name);
    }
    return record;
}

Result<std::vector<ImageRecord>> ImageIndex::all() const
{
    std::vector<ImageRecord> records;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(m_root + "/images", error)) {
        auto name = entry.path().filename().string();
        if (!name.ends_with(".json"))
            continue;
        auto id = Digest::parse("sha256:" + name.substr(0, name.size() - 5));
        if (id.ok())
            records.push_back(TRY(read_record(id.value())));
    }
    if (error)
        return make_error("cannot list {}/images: {}", m_root, error.message());
    return records;
}

Result<ImageRecord> ImageIndex::find(std::string_view name_or_id) const
{
    auto reference = Reference::parse(name_or_id);
    if (reference.ok()) {
        auto canonical = reference.value().canonical();
        for (const auto& [name, id] : TRY(read_tags())) {
            if (name == canonical)
                return read_record(id);
        }
    }
    if (short_id_syntax(name_or_id)) {
        auto prefix = name_or_id.starts_with("sha256:") ? name_or_id.substr(7) : name_or_id;
        std::vector<ImageRecord> matches;
        for (auto& record : TRY(all())) {
            if (record.id.hex().starts_with(prefix))
                matches.push_back(std::move(record));
        }
        if (matches.size() == 1)
            return matches.front();
        if (matches.size() > 1)
            return make_error("image id prefix '{}' is ambiguous", name_or_id);
    }
    if (!reference.ok() && !short_id_syntax(name_or_id))
        return reference.release_error();
    return make_error("no such image: {}", name_or_id);
}

Result<std::vector<std::pair<std::string, Digest>>> ImageIndex::read_tags() const
{
    std::vector<std::pair<std::string, Digest>> tags;
    auto path = m_root + "/tags.json";
    if (::access(path.c_str(), F_OK) < 0 && errno == ENOENT)
        return tags;
    auto bytes = TRY(read_small_file(path, kMaxTags));
    auto object = TRY_CONTEXT(parse_object(bytes, "tags.json"), path);
    for (const auto& item : object.items()) {
        if (!item.value().is_string())
            return make_error("{}: the tag {} does not name an image id", path, item.key());
        tags.emplace_back(item.key(), TRY_CONTEXT(Digest::parse(item.value().get<std::string>()), path));
    }
    return tags;
}

Result<void> ImageIndex::write_tags(const std::vector<std::pair<std::string, Digest>>& tags) const
{
    Json object = Json::object();
    for (const auto& [name, id] : tags)
        object[name] = id.string();
    return write_file_durably(m_root + "/tags.json", object.dump(2));
}

Result<void> ImageIndex::tag(const Reference& reference, const Digest& id) const
{
    auto tags = TRY(read_tags());
    auto canonical = reference.canonical();
    std::erase_if(tags, [&](const auto& entry) { return entry.first == canonical; });
    tags.emplace_back(canonical, id);
    return write_tags(tags);
}

Result<void> ImageIndex::untag(const std::string& canonical) const
{
    auto tags = TRY(read_tags());
    std::erase_if(tags, [&](const auto& entry) { return entry.first == canonical; });
    return write_tags(tags);
}

Result<void> ImageIndex::remove_record(const Digest& id) const
{
    if (::unlink(record_path(id).c_str()) < 0 && errno != ENOENT)
        return errno_error(fmt::format("cannot remove {}", record_path(id)));
    return {};
}

}
