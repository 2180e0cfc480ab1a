#pragma once

#include "vmm/base/result.h"

#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vmlet::image {

// Bytes received so far and the total (0 when the server did not say).
using ProgressCallback = std::function<void(uint64_t done, uint64_t total)>;

// Takes the bytes of a successful (2xx) body as they arrive. An error stops the transfer and is
// what HttpTransport::get returns.
using BodySink = std::function<Result<void>(std::string_view chunk)>;

// Small documents (manifests, tokens) must arrive within a whole-request deadline; blobs, which
// can be gigabytes on a slow link, are only abandoned when they stall.
enum class Deadline { WholeRequest, StallOnly };

// Every member has a default, so a request names only what it needs.
struct HttpRequest {
    std::string url {};
    // Who is spoken to, for messages: "127.0.0.1:5000".
    std::string server {};
    // Whole header lines: "Accept: application/json".
    std::vector<std::string> headers {};
    // Where a 2xx body goes; unset, it is kept in HttpResponse::body. Other bodies are always kept.
    BodySink sink {};
    // The most bytes of a body HttpResponse::body keeps; at one byte more the transfer stops.
    size_t body_limit { 64 << 10 };
    ProgressCallback progress {};
    Deadline deadline { Deadline::WholeRequest };
};

struct HttpResponse {
    long status { 0 };
    // The headers of the last response (after redirects), names lowercased, values trimmed.
    std::vector<std::pair<std::string, std::string>> headers;
    // The body, unless a sink took it; cut at the request's body_limit.
    std::string body;
    // Whether the body passed the request's body_limit, which stopped the transfer there.
    bool body_over_limit { false };

    bool success() const { return status >= 200 && status < 300; }
    // The first value of the header `name` (lowercase).
    std::optional<std::string> header(std::string_view name) const;
};

// A time by which every request of a transport must be over, whatever its own deadline (a
// pull's downloads as a whole: a registry trickling bytes just fast enough to pass the stall check
// must still end), and how errors name it: "the pull's time limit of 3600 s (VMLET_PULL_TIMEOUT)".
struct TotalDeadline {
    std::chrono::steady_clock::time_point at;
    std::string what;
};

// HTTP(S) GETs over one libcurl easy handle, which keeps connections alive between requests. The
// policy is the same for every request: http and https only, redirects followed (at most 10),
// proxies from the environment except for loopback, a connect timeout, and credentials never
// following a redirect to another host: an Authorization header goes only to the scheme, host
// and port of the URL asked for (CURLOPT_UNRESTRICTED_AUTH off), so a blob's redirect to S3 or a
// CDN does not carry the registry's token. Failures read as one line naming the server:
// "registry 127.0.0.1:5000 is unreachable: Connection refused". One request at a time.
class HttpTransport {
public:
    static Result<HttpTransport> create();
    HttpTransport(HttpTransport&& other) noexcept;
    HttpTransport& operator=(HttpTransport&& other) noexcept;
    HttpTransport(const HttpTransport&) = delete;
    HttpTransport& operator=(const HttpTransport&) = delete;
    ~HttpTransport();

    // One GET; any HTTP status is a success here, the caller decides what it means.
    Result<HttpResponse> get(const HttpRequest& request);

    // From now on every request ends by `deadline.at`; one that would start later fails at once.
    void set_total_deadline(TotalDeadline deadline) { m_total_deadline = std::move(deadline); }

private:
    explicit HttpTransport(CURL* easy)
        : m_easy(easy)
    {
    }

    CURL* m_easy { nullptr };
    std::optional<TotalDeadline> m_total_deadline;
};

}
