#include "containers/registry/registry_client.h"

#include "vmm/base/file.h"
#include "containers/registry/auth_challenge.h"
#include "containers/registry/base64.h"
#include "containers/registry/http_text.h"
#include "containers/registry/http_transport.h"
#include "containers/image/media_types.h"

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <optional>
#include <utility>
#include <vector>

namespace vmlet::image {

namespace {

// OCI distribution spec v1.1, "Pulling manifests": registries should refuse manifests over 4 MiB,
// and clients may refuse them too.
constexpr size_t kManifestLimit = 4 << 20;
// A token answer is a small JSON document; a JWT granting one scope is a few KiB.
constexpr size_t kTokenAnswerLimit = 1 << 20;
constexpr const char* kAuthVariable = "VMLET_REGISTRY_AUTH";

std::string accept_header()
{
    return fmt::format("Accept: {}, {}, {}, {}", media_type::kOciManifest, media_type::kOciIndex,
        media_type::kDockerManifest, media_type::kDockerManifestList);
}

// The host of "host:port" or "[v6]:port", without the port.
std::string_view host_of(std::string_view registry)
{
    if (registry.starts_with('[')) {
        auto close = registry.find(']');
        return registry.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1);
    }
    if (std::count(registry.begin(), registry.end(), ':') == 1)
        return registry.substr(0, registry.find(':'));
    return registry;
}

// Docker treats loopback registries as insecure, so `docker run -d -p 5000:5000 registry` works
// without certificates; so do we.
bool is_loopback(std::string_view registry)
{
    auto host = host_of(registry);
    return host == "localhost" || host.starts_with("127.") || host == "::1";
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

}

struct RegistryClient::State {
    Reference reference;
    std::string base_url; // "http://127.0.0.1:5000/v2/library/busybox"
    std::optional<std::string> credentials; // "user:password"
    std::string authorization;              // the Authorization header that worked last
    HttpTransport http;

    std::string name_of(std::string_view tag_or_digest) const
    {
        std::string separator = tag_or_digest.find(':') == std::string_view::npos ? ":" : "@";
        return reference.registry + "/" + reference.repository + separator + std::string(tag_or_digest);
    }

    Error auth_required() const
    {
        return make_error("authentication required by {} (set {}=user:password)", reference.registry, kAuthVariable);
    }

    Error credentials_rejected() const
    {
        return make_error("authentication to {} failed: the credentials in {} were rejected", reference.registry, kAuthVariable);
    }

    // The Docker token protocol (distribution docs/spec/auth/token.md): GET the realm with the
    // service and a pull scope for our repository, with Basic credentials when we have them, and
    // take "token" (or the OAuth2 "access_token") from the JSON answer.
    Result<std::string> fetch_token(const AuthChallenge& challenge)
    {
        std::string realm = challenge.parameter("realm");
        if (realm.empty())
            return make_error("registry {} asked for a bearer token without naming a realm", reference.registry);
        auto escape = [&](const std::string& text) {
            char* escaped = curl_easy_escape(nullptr, text.c_str(), int(text.size()));
            std::string result = escaped ? escaped : "";
            curl_free(escaped);
            return result;
        };
        std::string url = realm + (realm.find('?') == std::string::npos ? "?" : "&");
        if (auto service = challenge.parameter("service"); !service.empty())
            url += "service=" + escape(service) + "&";
        url += "scope=" + escape("repository:" + reference.repository + ":pull");
        HttpRequest request { .url = url, .server = reference.registry, .headers = { "Accept: application/json" }, .body_limit = kTokenAnswerLimit };
        if (credentials)
            request.headers.push_back("Authorization: Basic " + base64(*credentials));
        auto response = TRY(http.get(request));
        if (response.status == 401 || response.status == 403)
            return credentials ? credentials_rejected() : auth_required();
        if (response.status != 200)
            return make_error("the token service of {} ({}) answered HTTP {}", reference.registry, realm, response.status);
        if (response.body_over_limit)
            return make_error("the token service of {} ({}) sent an answer over {} MiB", reference.registry, realm, kTokenAnswerLimit >> 20);
        auto document = nlohmann::json::parse(response.body, nullptr, false);
        for (const char* field : { "token", "access_token" }) {
            if (document.is_object() && document.contains(field) && document[field].is_string() && !document[field].get<std::string>().empty())
                return document[field].get<std::string>();
        }
        return make_error("the token service of {} ({}) sent no token", reference.registry, realm);
    }

    // Answers a 401's challenge by setting `authorization` for the retry. A malformed
    // WWW-Authenticate field is reported only when no other field offers a challenge we answer.
    Result<void> authenticate(const HttpResponse& unauthorized)
    {
        std::vector<AuthChallenge> challenges;
        std::optional<Error> malformed;
        for (const auto& [key, value] : unauthorized.headers) {
            if (key != "www-authenticate")
                continue;
            auto parsed = parse_www_authenticate(value);
            if (!parsed.ok()) {
                malformed = make_error("registry {} sent a malformed WWW-Authenticate header: {}", reference.registry, parsed.error().message());
                continue;
            }
            std::move(parsed.value().begin(), parsed.value().end(), std::back_inserter(challenges));
        }
        auto chosen = choose_challenge(challenges);
        if (!chosen)
            return malformed ? *malformed : auth_required();
        if (chosen->scheme == "basic") {
            if (!credentials)
                return auth_required();
            authorization = "Authorization: Basic " + base64(*credentials);
            return {};
        }
        auto token = TRY(fetch_token(*chosen));
        authorization = "Authorization: Bearer " + token;
        return {};
    }

    // A GET with our credentials; a 401 is answered once (a token may also have expired).
    Result<HttpResponse> get(const HttpRequest& request)
    {
        auto authorised = [&] {
            HttpRequest copy = request;
            if (!authorization.empty())
                copy.headers.push_back(authorization);
            return copy;
        };
        auto response = TRY(http.get(authorised()));
        if (response.status != 401)
            return response;
        TRY(authenticate(response));
        response = TRY(http.get(authorised()));
        if (response.status == 401)
            return credentials ? credentials_rejected() : auth_required();
        return response;
    }

    // A status the caller has no special meaning for, as a sentence.
    Error status_error(const HttpResponse& response, std::string_view what) const
    {
        auto [code, message] = error_code_and_message(response.body);
        if (response.status == 403)
            return make_error("{} denied access to {}{}", reference.registry, what, message.empty() ? "" : ": " + message);
        if (response.status == 429)
            return make_error("{} refused {}: too many requests, try again later", reference.registry, what);
        return make_error("{} answered HTTP {} for {}{}", reference.registry, response.status, what,
            message.empty() ? "" : ": " + message);
    }

    Result<void> fetch_blob(const Digest& digest, std::optional<uint64_t> size, int fd, const ProgressCallback& progress)
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
            .url = base_url + "/blobs/" + digest.string(),
            .server = reference.registry,
            .sink = std::move(sink),
            .progress = std::move(report),
            .deadline = Deadline::StallOnly,
        }));
        if (response.status == 404)
            return make_error("blob unknown: {} in {}/{}", digest.string(), reference.registry, reference.repository);
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

    Result<void> download(const Digest& digest, std::optional<uint64_t> size, const std::string& path, const ProgressCallback& progress)
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
};

Result<RegistryClient> RegistryClient::connect(const Reference& reference)
{
    std::optional<std::string> credentials;
    if (const char* auth = std::getenv(kAuthVariable); auth && *auth) {
        if (!std::strchr(auth, ':'))
            return make_error("{} must be user:password", kAuthVariable);
        credentials = auth;
    }
    auto http = TRY_CONTEXT(HttpTransport::create(), reference.registry);
    std::string scheme = is_loopback(reference.registry) ? "http" : "https";
    auto state = std::make_unique<State>(State {
        .reference = reference,
        .base_url = fmt::format("{}://{}/v2/{}", scheme, reference.api_host(), reference.repository),
        .credentials = std::move(credentials),
        .authorization = {},
        .http = std::move(http),
    });
    return RegistryClient(std::move(state));
}

RegistryClient::RegistryClient(std::unique_ptr<State> state)
    : m_state(std::move(state))
{
}

RegistryClient::RegistryClient(RegistryClient&&) noexcept = default;
RegistryClient& RegistryClient::operator=(RegistryClient&&) noexcept = default;
RegistryClient::~RegistryClient() = default;

Result<FetchedManifest> RegistryClient::manifest(const std::string& tag_or_digest)
{
    auto& state = *m_state;
    std::optional<Digest> requested;
    if (tag_or_digest.find(':') != std::string::npos) {
        requested = TRY(Digest::parse(tag_or_digest));
    } else if (!valid_tag(tag_or_digest)) {
        return make_error("'{}' is neither a tag nor a digest", tag_or_digest);
    }
    std::string name = state.name_of(tag_or_digest);
    auto response = TRY(state.get({
        .url = state.base_url + "/manifests/" + tag_or_digest,
        .server = state.reference.registry,
        .headers = { accept_header() },
        .body_limit = kManifestLimit,
    }));
    if (response.status == 404) {
        auto [code, message] = error_code_and_message(response.body);
        if (code == "NAME_UNKNOWN")
            return make_error("manifest unknown: {} (the registry has no repository {})", name, state.reference.repository);
        return make_error("manifest unknown: {}", name);
    }
    if (response.status != 200)
        return state.status_error(response, "the manifest of " + name);
    if (response.body_over_limit)
        return make_error("{} sent a manifest larger than {} MiB", state.reference.registry, kManifestLimit >> 20);

    // The media type is the Content-Type (spec.md "Pulling manifests"); an old registry that
    // says application/json still puts it in the document's mediaType field.
    std::string type = ascii_lowercase(trim_whitespace(response.header("content-type").value_or("")));
    type = std::string(trim_whitespace(type.substr(0, type.find(';'))));
    if (!media_type::is_index(type) && !media_type::is_manifest(type)) {
        auto document = nlohmann::json::parse(response.body, nullptr, false);
        if (document.is_object() && document.contains("mediaType") && document["mediaType"].is_string())
            type = document["mediaType"].get<std::string>();
    }
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
    return m_state->download(digest, size, path, progress);
}

Result<void> RegistryClient::download_blob(const Digest& digest, const std::string& path, const ProgressCallback& progress)
{
    return m_state->download(digest, std::nullopt, path, progress);
}

}
