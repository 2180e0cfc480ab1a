#include "containers/registry/registry_client.h"

#include "vmm/base/file.h"
#include "containers/image/media_types.h"
#include "containers/registry/http_text.h"
#include "containers/registry/loopback.h"

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <utility>

namespace vmlet::image {

namespace {

std::string accept_header()
{
    return fmt::format("Accept: {}, {}, {}, {}", media_type::kOciManifest, media_type::kOciIndex,
        media_type::kDockerManifest, media_type::kDockerManifestList);
}

// tag: [\w][\w.-]{0,127} (distribution/reference), so a tag can go into a URL as it is.
bool valid_tag(std::string_view tag)
{
    auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    return !tag.empty() && tag.size() <= 128 && word(tag.front())
        && std::all_of(tag.begin(), tag.end(), [&](char c) { return word(c) || c == '.' || c == '-'; });
}

// The first message of an OCI error body (spec.md "Error Codes"): {"errors":[{"code","message"}]}.
std::pair<std::string, std::string> error_code_and_message(const std::string& body)
{
    auto document = nlohmann::json::parse(body, nullptr, false);
    if (!document.is_object() || !document.contains("errors") || !document["errors"].is_array() || document["errors"].empty())
        return {};
    const auto& first = document["errors"][0];
    if (!first.is_object())
        return {};
    std::string code = first.contains("code") && first["code"].is_string() ? first["code"].get<std::string>() : "";
    std::string message = first.contains("message") && first["message"].is_string() ? first["message"].get<std::string>() : "";
    return { code, message };
}

// The media type of a manifest response: its Content-Type (spec.md "Pulling manifests"), or for
// an old registry that says application/json, the document's own mediaType field.
std::string media_type_of(const HttpResponse& response)
{
    std::string type = ascii_lowercase(trim_whitespace(response.header("content-type").value_or("")));
    type = std::string(trim_whitespace(type.substr(0, type.find(';'))));
    if (media_type::is_index(type) || media_type::is_manifest(type))
        return type;
    auto document = nlohmann::json::parse(response.body, nullptr, false);
    if (document.is_object() && document.contains("mediaType") && document["mediaType"].is_string())
        return document["mediaType"].get<std::string>();
    return type;
}

}

Result<RegistryClient> RegistryClient::connect(const Reference& reference, uint64_t manifest_limit)
{
    auto auth = TRY(RegistryAuth::for_registry(reference.registry, reference.repository));
    auto http = TRY_CONTEXT(HttpTransport::create(), reference.registry);
    // Docker treats loopback registries as insecure, so `docker run -d -p 5000:5000 registry`
    // works without certificates; so do we, deciding loopback by address (loopback.h).
    std::string scheme = is_loopback_host(host_of(reference.registry)) ? "http" : "https";
    std::string base_url = fmt::format("{}://{}/v2/{}", scheme, reference.api_host(), reference.repository);
    return RegistryClient(reference, std::move(base_url), std::move(http), std::move(auth), manifest_limit);
}

RegistryClient::RegistryClient(Reference reference, std::string base_url, HttpTransport http, RegistryAuth auth, uint64_t manifest_limit)
    : m_reference(std::move(reference))
    , m_base_url(std::move(base_url))
    , m_http(std::move(http))
    , m_auth(std::move(auth))
    , m_manifest_limit(manifest_limit)
{
}

// OCI distribution spec v1.1, "Pulling manifests": registries should refuse manifests over 4 MiB,
// and clients may refuse them too; ours is m_manifest_limit, 4 MiB unless the user says.
Result<FetchedManifest> RegistryClient::manifest(const std::string& tag_or_digest, std::optional<uint64_t> declared_size)
{
    std::optional<Digest> requested;
    if (tag_or_digest.find(':') != std::string::npos) {
        requested = TRY(Digest::parse(tag_or_digest));
    } else if (!valid_tag(tag_or_digest)) {
        return make_error("'{}' is neither a tag nor a digest", tag_or_digest);
    }
    std::string name = name_of(tag_or_digest);
    if (declared_size && *declared_size > m_manifest_limit) {
        return make_error("manifest {} is {} bytes by its descriptor, more than {}, the cap {} sets", name, *declared_size, m_manifest_limit,
            kMaxManifestSizeVariable);
    }
    uint64_t limit = declared_size.value_or(m_manifest_limit);
    auto response = TRY(get({
        .url = m_base_url + "/manifests/" + tag_or_digest,
        .server = m_reference.registry,
        .headers = { accept_header() },
        .body_limit = size_t(limit),
    }));
    if (response.status == 404) {
        auto [code, message] = error_code_and_message(response.body);
        if (code == "NAME_UNKNOWN")
            return make_error("manifest unknown: {} (the registry has no repository {})", name, m_reference.repository);
        return make_error("manifest unknown: {}", name);
    }
    if (response.status != 200)
        return status_error(response, "the manifest of " + name);
    if (response.body_over_limit && declared_size)
        return make_error("{} sent more than the {} bytes the descriptor of manifest {} says", m_reference.registry, limit, name);
    if (response.body_over_limit)
        return make_error("{} sent a manifest larger than {} bytes, the cap {} sets", m_reference.registry, limit, kMaxManifestSizeVariable);

    auto type = media_type_of(response);
    if (!media_type::is_index(type) && !media_type::is_manifest(type))
        return make_error("{} is a '{}', not an OCI or Docker v2 image manifest or index", name, type);
    auto digest = Digest::of(response.body);
    if (requested && digest != *requested)
        return make_error("manifest {} does not match its digest (got {})", name, digest.string());
    if (auto header = response.header("docker-content-digest"); header && header->starts_with("sha256:")) {
        if (*header != digest.string())
            return make_error("manifest {} does not match the Docker-Content-Digest {} the registry sent (got {})", name, *header,
                digest.string());
    }
    return FetchedManifest { .bytes = std::move(response.body), .media_type = std::move(type), .digest = std::move(digest) };
}

Result<void> RegistryClient::download_blob(const Digest& digest, uint64_t size, const std::string& path, const ProgressCallback& progress)
{
    return download(digest, size, path, progress);
}

Result<void> RegistryClient::download_blob(const Digest& digest, const std::string& path, const ProgressCallback& progress)
{
    return download(digest, std::nullopt, path, progress);
}

Result<HttpResponse> RegistryClient::get(const HttpRequest& request)
{
    auto authorised = [&] {
        HttpRequest copy = request;
        if (!m_auth.authorization().empty())
            copy.headers.push_back(m_auth.authorization());
        return copy;
    };
    auto response = TRY(m_http.get(authorised()));
    if (response.status != 401)
        return response;
    TRY(m_auth.answer(response, m_http));
    response = TRY(m_http.get(authorised()));
    if (response.status == 401)
        return m_auth.refused();
    return response;
}

Result<void> RegistryClient::download(const Digest& digest, std::optional<uint64_t> size, const std::string& path,
    const ProgressCallback& progress)
{
    // O_EXCL: the file is ours alone, so removing it on error removes nobody else's.
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return errno_error(fmt::format("creating {}", path));
    auto result = fetch_blob(digest, size, fd, progress);
    if (::close(fd) < 0 && result.ok())
        result = errno_error(fmt::format("writing {}", path));
    if (!result.ok())
        ::unlink(path.c_str());
    return result;
}

Result<void> RegistryClient::fetch_blob(const Digest& digest, std::optional<uint64_t> size, int fd, const ProgressCallback& progress)
{
    Sha256 hash;
    uint64_t received = 0;
    BodySink sink = [&](std::string_view chunk) -> Result<void> {
        if (size && received + chunk.size() > *size)
            return make_error("blob {} is larger than the {} bytes its descriptor says", digest.string(), *size);
        TRY(write_all(fd, std::span(reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size())));
        hash.update(chunk);
        received += chunk.size();
        return {};
    };
    ProgressCallback report;
    if (progress)
        report = [&](uint64_t done, uint64_t total) { progress(done, size.value_or(total)); };
    auto response = TRY(get({
        .url = m_base_url + "/blobs/" + digest.string(),
        .server = m_reference.registry,
        .sink = std::move(sink),
        .progress = std::move(report),
        .deadline = Deadline::StallOnly,
    }));
    if (response.status == 404)
        return make_error("blob unknown: {} in {}/{}", digest.string(), m_reference.registry, m_reference.repository);
    if (response.status != 200)
        return status_error(response, "blob " + digest.string());
    if (size && received != *size)
        return make_error("blob {} ended after {} of its {} bytes", digest.string(), received, *size);
    auto actual = hash.finish();
    if (actual != digest)
        return make_error("blob {} does not match its digest (got {})", digest.string(), actual.string());
    if (progress)
        progress(received, received);
    return {};
}

Error RegistryClient::status_error(const HttpResponse& response, std::string_view what) const
{
    auto [code, message] = error_code_and_message(response.body);
    if (response.status == 403)
        return make_error("{} denied access to {}{}", m_reference.registry, what, message.empty() ? "" : ": " + message);
    if (response.status == 429)
        return make_error("{} refused {}: too many requests, try again later", m_reference.registry, what);
    return make_error("{} answered HTTP {} for {}{}", m_reference.registry, response.status, what, message.empty() ? "" : ": " + message);
}

std::string RegistryClient::name_of(std::string_view tag_or_digest) const
{
    std::string separator = tag_or_digest.find(':') == std::string_view::npos ? ":" : "@";
    return m_reference.registry + "/" + m_reference.repository + separator + std::string(tag_or_digest);
}

}
