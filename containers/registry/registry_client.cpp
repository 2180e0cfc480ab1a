#include "containers/registry/registry_client.h"

#include "vmm/base/file.h"
#include "containers/registry/auth_challenge.h"
#include "containers/registry/base64.h"
#include "containers/registry/http_text.h"
#include "containers/image/media_types.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace vmlet::image {

namespace {

// OCI distribution spec v1.1, "Pulling manifests": registries should refuse manifests over 4 MiB,
// and clients may refuse them too.
constexpr size_t kManifestLimit = 4 << 20;
// Error bodies and token answers are small JSON documents; anything past this is dropped.
constexpr size_t kSmallBodyLimit = 64 << 10;
constexpr long kConnectTimeoutSeconds = 10;
// A transfer slower than 1 byte/s for this long is abandoned (a stalled server, a dead link).
constexpr long kLowSpeedSeconds = 30;
// Everything but blobs is small; a whole request taking longer than this is a stuck server.
constexpr long kSmallRequestTimeoutSeconds = 60;
constexpr auto kProgressInterval = std::chrono::milliseconds(200);
constexpr const char* kAuthVariable = "VMLET_REGISTRY_AUTH";

std::string accept_header()
{
    return fmt::format("Accept: {}, {}, {}, {}", media_type::kOciManifest, media_type::kOciIndex,
        media_type::kDockerManifest, media_type::kDockerManifestList);
}

struct CurlFree {
    void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct SlistFree {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlHandle = std::unique_ptr<CURL, CurlFree>;
using HeaderList = std::unique_ptr<curl_slist, SlistFree>;

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

// Writes bytes of a successful response somewhere; false aborts the transfer (the sink keeps
// the reason).
using Sink = std::function<bool(std::string_view)>;

struct Request {
    std::string url;
    std::string server;        // who we talk to, for messages: "127.0.0.1:5000"
    std::string accept;        // a whole "Accept: ..." header, or empty
    std::string authorization; // a whole "Authorization: ..." header, or empty
    Sink sink;                 // where a 2xx body goes; unset: into Response::body (bounded)
    const ProgressCallback* progress { nullptr };
    uint64_t expected_size { 0 }; // for progress; 0 when unknown
    bool bounded_time { true };   // whole-request timeout (off for blobs)
};

struct Response {
    long status { 0 };
    std::vector<std::pair<std::string, std::string>> headers; // of the last response; names lowercased
    std::string body; // the 2xx body when there was no sink, else the error body

    std::optional<std::string> header(std::string_view name) const
    {
        for (const auto& [key, value] : headers) {
            if (key == name)
                return value;
        }
        return std::nullopt;
    }
};

// What the libcurl callbacks share during one request.
struct Transfer {
    const Request* request;
    Response response;
    bool body_too_large { false };
    bool sink_failed { false };
    uint64_t received { 0 };
    std::chrono::steady_clock::time_point last_progress {};
};

bool success(long status) { return status >= 200 && status < 300; }

size_t on_header(char* data, size_t, size_t count, void* user)
{
    auto& transfer = *static_cast<Transfer*>(user);
    std::string_view line(data, count);
    if (line.starts_with("HTTP/")) {
        // A new response (after a redirect, or "100 Continue"): forget the previous one.
        transfer.response.headers.clear();
        transfer.response.body.clear();
        auto space = line.find(' ');
        transfer.response.status = space == std::string_view::npos ? 0 : std::strtol(std::string(line.substr(space + 1, 3)).c_str(), nullptr, 10);
        return count;
    }
    auto colon = line.find(':');
    if (colon != std::string_view::npos)
        transfer.response.headers.emplace_back(ascii_lowercase(trim_whitespace(line.substr(0, colon))), std::string(trim_whitespace(line.substr(colon + 1))));
    return count;
}

size_t on_body(char* data, size_t, size_t count, void* user)
{
    auto& transfer = *static_cast<Transfer*>(user);
    std::string_view chunk(data, count);
    auto& body = transfer.response.body;
    if (!success(transfer.response.status)) {
        body.append(chunk.substr(0, kSmallBodyLimit - std::min(kSmallBodyLimit, body.size())));
        return count;
    }
    if (transfer.request->sink) {
        if (!transfer.request->sink(chunk)) {
            transfer.sink_failed = true;
            return 0;
        }
        transfer.received += count;
        return count;
    }
    if (body.size() + chunk.size() > kManifestLimit) {
        transfer.body_too_large = true;
        return 0;
    }
    body.append(chunk);
    return count;
}

int on_progress(void* user, curl_off_t download_total, curl_off_t, curl_off_t, curl_off_t)
{
    auto& transfer = *static_cast<Transfer*>(user);
    const auto* progress = transfer.request->progress;
    if (!progress || !*progress || !success(transfer.response.status) || transfer.received == 0)
        return 0;
    auto now = std::chrono::steady_clock::now();
    if (now - transfer.last_progress < kProgressInterval)
        return 0;
    transfer.last_progress = now;
    uint64_t total = transfer.request->expected_size != 0 ? transfer.request->expected_size : uint64_t(std::max<curl_off_t>(download_total, 0));
    (*progress)(transfer.received, total);
    return 0;
}

std::once_flag g_curl_initialised;

}

struct RegistryClient::State {
    Reference reference;
    std::string base_url; // "http://127.0.0.1:5000/v2/library/busybox"
    std::optional<std::string> credentials; // "user:password"
    std::string authorization;              // the Authorization header that worked last
    CurlHandle curl;

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

    // One HTTP GET, following redirects; any status is a success here.
    Result<Response> perform(const Request& request)
    {
        CURL* handle = curl.get();
        curl_easy_reset(handle);
        Transfer transfer { .request = &request, .response = {}, .body_too_large = false, .sink_failed = false, .received = 0, .last_progress = {} };
        char error_buffer[CURL_ERROR_SIZE] = {};
        HeaderList headers;
        for (const auto* header : { &request.accept, &request.authorization }) {
            if (header->empty())
                continue;
            curl_slist* appended = curl_slist_append(headers.get(), header->c_str());
            if (!appended)
                return make_error("out of memory building a request to {}", request.server);
            (void)headers.release();
            headers.reset(appended);
        }
        curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
        curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
        curl_easy_setopt(handle, CURLOPT_USERAGENT, "vmlet");
        curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
        curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        // Blob GETs redirect to storage (S3, a CDN). libcurl sends a custom Authorization header
        // only to the host it was set for (CURLOPT_UNRESTRICTED_AUTH stays off), so a token
        // never leaks to a redirect target.
        curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(handle, CURLOPT_MAXREDIRS, 10L);
        curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
        curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, kLowSpeedSeconds);
        if (request.bounded_time)
            curl_easy_setopt(handle, CURLOPT_TIMEOUT, kSmallRequestTimeoutSeconds);
        if (is_loopback(reference.registry) && !std::getenv("no_proxy") && !std::getenv("NO_PROXY"))
            curl_easy_setopt(handle, CURLOPT_NOPROXY, "localhost,127.0.0.1,::1");
        curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(handle, CURLOPT_HEADERDATA, &transfer);
        curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
        curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(handle, CURLOPT_XFERINFODATA, &transfer);
        curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);

        CURLcode code = curl_easy_perform(handle);
        if (code == CURLE_OK)
            return std::move(transfer.response);
        if (transfer.body_too_large)
            return make_error("{} sent a manifest larger than {} MiB", request.server, kManifestLimit >> 20);
        if (transfer.sink_failed)
            return make_error("writing what {} sent failed", request.server); // the sink's own error is reported by its owner
        std::string detail = error_buffer[0] ? error_buffer : curl_easy_strerror(code);
        long os_error = 0;
        curl_easy_getinfo(handle, CURLINFO_OS_ERRNO, &os_error);
        switch (code) {
        case CURLE_COULDNT_CONNECT:
            return make_error("registry {} is unreachable: {}", request.server, os_error != 0 ? std::strerror(int(os_error)) : detail);
        case CURLE_COULDNT_RESOLVE_HOST:
            return make_error("registry {} is unreachable: cannot resolve its host name", request.server);
        case CURLE_COULDNT_RESOLVE_PROXY:
            return make_error("registry {} is unreachable: cannot resolve the proxy ({})", request.server, detail);
        case CURLE_OPERATION_TIMEDOUT:
            return make_error("registry {} timed out: {}", request.server, detail);
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CACERT_BADFILE:
            return make_error("TLS with registry {} failed: {}", request.server, detail);
        case CURLE_TOO_MANY_REDIRECTS:
            return make_error("registry {} redirected too many times", request.server);
        default:
            return make_error("talking to registry {} failed: {}", request.server, detail);
        }
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
            char* escaped = curl_easy_escape(curl.get(), text.c_str(), int(text.size()));
            std::string result = escaped ? escaped : "";
            curl_free(escaped);
            return result;
        };
        std::string url = realm + (realm.find('?') == std::string::npos ? "?" : "&");
        if (auto service = challenge.parameter("service"); !service.empty())
            url += "service=" + escape(service) + "&";
        url += "scope=" + escape("repository:" + reference.repository + ":pull");
        Request request { .url = url, .server = reference.registry, .accept = "Accept: application/json", .authorization = {}, .sink = {}, .progress = nullptr, .expected_size = 0, .bounded_time = true };
        if (credentials)
            request.authorization = "Authorization: Basic " + base64(*credentials);
        auto response = TRY(perform(request));
        if (response.status == 401 || response.status == 403)
            return credentials ? credentials_rejected() : auth_required();
        if (response.status != 200)
            return make_error("the token service of {} ({}) answered HTTP {}", reference.registry, realm, response.status);
        auto document = nlohmann::json::parse(response.body, nullptr, false);
        for (const char* field : { "token", "access_token" }) {
            if (document.is_object() && document.contains(field) && document[field].is_string() && !document[field].get<std::string>().empty())
                return document[field].get<std::string>();
        }
        return make_error("the token service of {} ({}) sent no token", reference.registry, realm);
    }

    // Answers a 401's challenge by setting `authorization` for the retry. A malformed
    // WWW-Authenticate field is reported only when no other field offers a challenge we answer.
    Result<void> authenticate(const Response& unauthorized)
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

    // perform() with our credentials; a 401 is answered once (a token may also have expired).
    Result<Response> request(Request request)
    {
        request.authorization = authorization;
        auto response = TRY(perform(request));
        if (response.status != 401)
            return response;
        TRY(authenticate(response));
        request.authorization = authorization;
        response = TRY(perform(request));
        if (response.status == 401)
            return credentials ? credentials_rejected() : auth_required();
        return response;
    }

    // A status the caller has no special meaning for, as a sentence.
    Error status_error(const Response& response, std::string_view what) const
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
        std::optional<Error> sink_error;
        Sink sink = [&](std::string_view chunk) {
            if (size && received + chunk.size() > *size) {
                sink_error = make_error("blob {} is larger than the {} bytes its descriptor says", digest.string(), *size);
                return false;
            }
            auto written = write_all(fd, std::span(reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size()));
            if (!written.ok()) {
                sink_error = written.release_error();
                return false;
            }
            hash.update(chunk);
            received += chunk.size();
            return true;
        };
        Request blob_request { .url = base_url + "/blobs/" + digest.string(), .server = reference.registry, .accept = {}, .authorization = {},
            .sink = std::move(sink), .progress = &progress, .expected_size = size.value_or(0), .bounded_time = false };
        auto response = request(std::move(blob_request));
        if (sink_error)
            return *sink_error;
        if (!response.ok())
            return response.release_error();
        if (response.value().status == 404)
            return make_error("blob unknown: {} in {}/{}", digest.string(), reference.registry, reference.repository);
        if (response.value().status != 200)
            return status_error(response.value(), "blob " + digest.string());
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
    std::call_once(g_curl_initialised, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    auto state = std::make_unique<State>();
    state->reference = reference;
    std::string scheme = is_loopback(reference.registry) ? "http" : "https";
    state->base_url = fmt::format("{}://{}/v2/{}", scheme, reference.api_host(), reference.repository);
    if (const char* auth = std::getenv(kAuthVariable); auth && *auth) {
        if (!std::strchr(auth, ':'))
            return make_error("{} must be user:password", kAuthVariable);
        state->credentials = auth;
    }
    state->curl.reset(curl_easy_init());
    if (!state->curl)
        return make_error("cannot start a libcurl session for {}", reference.registry);
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
    Request manifest_request { .url = state.base_url + "/manifests/" + tag_or_digest, .server = state.reference.registry, .accept = accept_header(),
        .authorization = {}, .sink = {}, .progress = nullptr, .expected_size = 0, .bounded_time = true };
    auto response = TRY(state.request(std::move(manifest_request)));
    if (response.status == 404) {
        auto [code, message] = error_code_and_message(response.body);
        if (code == "NAME_UNKNOWN")
            return make_error("manifest unknown: {} (the registry has no repository {})", name, state.reference.repository);
        return make_error("manifest unknown: {}", name);
    }
    if (response.status != 200)
        return state.status_error(response, "the manifest of " + name);

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
