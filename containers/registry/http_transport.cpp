#include "containers/registry/http_transport.h"

#include "containers/registry/http_text.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace vmlet::image {

namespace {

constexpr long kConnectTimeoutSeconds = 10;
// A transfer slower than 1 byte/s for this long is abandoned (a stalled server, a dead link).
constexpr long kLowSpeedSeconds = 30;
// Deadline::WholeRequest: a small document taking longer than this is a stuck server.
constexpr long kWholeRequestSeconds = 60;
constexpr long kMaxRedirects = 10;
constexpr auto kProgressInterval = std::chrono::milliseconds(200);

struct SlistFree {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using HeaderList = std::unique_ptr<curl_slist, SlistFree>;

// What the libcurl callbacks share during one request.
struct Transfer {
    const HttpRequest& request;
    HttpResponse response {};
    std::optional<Error> sink_error {};
    uint64_t received { 0 }; // bytes handed to the sink
    std::chrono::steady_clock::time_point last_progress {};
};

size_t on_header(char* data, size_t, size_t count, void* user)
{
    auto& transfer = *static_cast<Transfer*>(user);
    std::string_view line(data, count);
    if (line.starts_with("HTTP/")) {
        // A new response (after a redirect): forget the previous one.
        transfer.response = {};
        auto space = line.find(' ');
        transfer.response.status = space == std::string_view::npos ? 0 : std::strtol(std::string(line.substr(space + 1, 3)).c_str(), nullptr, 10);
        return count;
    }
    auto colon = line.find(':');
    if (colon != std::string_view::npos)
        transfer.response.headers.emplace_back(ascii_lowercase(trim_whitespace(line.substr(0, colon))), std::string(trim_whitespace(line.substr(colon + 1))));
    return count;
}

// Returning less than `count` makes libcurl stop with CURLE_WRITE_ERROR.
size_t on_body(char* data, size_t, size_t count, void* user)
{
    auto& transfer = *static_cast<Transfer*>(user);
    std::string_view chunk(data, count);
    if (transfer.response.success() && transfer.request.sink) {
        auto taken = transfer.request.sink(chunk);
        if (!taken.ok()) {
            transfer.sink_error = taken.release_error();
            return 0;
        }
        transfer.received += count;
        return count;
    }
    auto& body = transfer.response.body;
    size_t room = transfer.request.body_limit - std::min(transfer.request.body_limit, body.size());
    body.append(chunk.substr(0, room));
    if (chunk.size() > room) {
        transfer.response.body_over_limit = true;
        return 0;
    }
    return count;
}

int on_progress(void* user, curl_off_t download_total, curl_off_t, curl_off_t, curl_off_t)
{
    auto& transfer = *static_cast<Transfer*>(user);
    if (!transfer.request.progress || transfer.received == 0)
        return 0;
    auto now = std::chrono::steady_clock::now();
    if (now - transfer.last_progress < kProgressInterval)
        return 0;
    transfer.last_progress = now;
    transfer.request.progress(transfer.received, uint64_t(std::max<curl_off_t>(download_total, 0)));
    return 0;
}

// libcurl's failure as a sentence about the server.
Error transfer_error(CURL* easy, CURLcode code, const char* error_buffer, const std::string& server)
{
    std::string detail = error_buffer[0] ? error_buffer : curl_easy_strerror(code);
    long os_error = 0;
    curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_error);
    switch (code) {
    case CURLE_COULDNT_CONNECT:
        return make_error("registry {} is unreachable: {}", server, os_error != 0 ? std::strerror(int(os_error)) : detail);
    case CURLE_COULDNT_RESOLVE_HOST:
        return make_error("registry {} is unreachable: cannot resolve its host name", server);
    case CURLE_COULDNT_RESOLVE_PROXY:
        return make_error("registry {} is unreachable: cannot resolve the proxy ({})", server, detail);
    case CURLE_OPERATION_TIMEDOUT:
        return make_error("registry {} timed out: {}", server, detail);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
        return make_error("TLS with registry {} failed: {}", server, detail);
    case CURLE_TOO_MANY_REDIRECTS:
        return make_error("registry {} redirected too many times", server);
    default:
        return make_error("talking to registry {} failed: {}", server, detail);
    }
}

// What one perform() came to: the sink's error, the response (also when its body was cut at the
// limit, which its caller judges), or libcurl's failure.
Result<HttpResponse> outcome(CURL* easy, CURLcode code, Transfer& transfer, const char* error_buffer)
{
    if (transfer.sink_error)
        return std::move(*transfer.sink_error);
    if (code == CURLE_OK || transfer.response.body_over_limit)
        return std::move(transfer.response);
    return transfer_error(easy, code, error_buffer, transfer.request.server);
}

}

std::optional<std::string> HttpResponse::header(std::string_view name) const
{
    for (const auto& [key, value] : headers) {
        if (key == name)
            return value;
    }
    return std::nullopt;
}

Result<HttpTransport> HttpTransport::create()
{
    // Once per process, before any easy handle, as libcurl asks; thread-safe as a static's
    // initialisation is.
    static const CURLcode initialised = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (initialised != CURLE_OK)
        return make_error("cannot initialise libcurl: {}", curl_easy_strerror(initialised));
    CURL* easy = curl_easy_init();
    if (!easy)
        return make_error("cannot start a libcurl session");
    return HttpTransport(easy);
}

HttpTransport::HttpTransport(HttpTransport&& other) noexcept
    : m_easy(std::exchange(other.m_easy, nullptr))
    , m_total_deadline(std::move(other.m_total_deadline))
{
}

HttpTransport& HttpTransport::operator=(HttpTransport&& other) noexcept
{
    if (this != &other) {
        curl_easy_cleanup(m_easy);
        m_easy = std::exchange(other.m_easy, nullptr);
        m_total_deadline = std::move(other.m_total_deadline);
    }
    return *this;
}

HttpTransport::~HttpTransport()
{
    curl_easy_cleanup(m_easy); // a no-op on nullptr
}

Result<HttpResponse> HttpTransport::get(const HttpRequest& request)
{
    using namespace std::chrono;
    auto timeout = request.deadline == Deadline::WholeRequest ? milliseconds(seconds(kWholeRequestSeconds)) : milliseconds::max();
    if (m_total_deadline) {
        auto left = duration_cast<milliseconds>(m_total_deadline->at - steady_clock::now());
        if (left <= milliseconds::zero())
            return make_error("registry {} timed out: {} passed", request.server, m_total_deadline->what);
        timeout = std::min(timeout, left);
    }
    Transfer transfer { .request = request };
    char error_buffer[CURL_ERROR_SIZE] = {};
    HeaderList headers;
    for (const auto& header : request.headers) {
        curl_slist* appended = curl_slist_append(headers.get(), header.c_str());
        if (!appended)
            return make_error("out of memory building a request to {}", request.server);
        (void)headers.release();
        headers.reset(appended);
    }
    curl_easy_setopt(m_easy, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(m_easy, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(m_easy, CURLOPT_USERAGENT, "vmlet");
    curl_easy_setopt(m_easy, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(m_easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(m_easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(m_easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(m_easy, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(m_easy, CURLOPT_MAXREDIRS, kMaxRedirects);
    curl_easy_setopt(m_easy, CURLOPT_UNRESTRICTED_AUTH, 0L); // the default; the class comment says why
    curl_easy_setopt(m_easy, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
    curl_easy_setopt(m_easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(m_easy, CURLOPT_LOW_SPEED_TIME, kLowSpeedSeconds);
    if (timeout != std::chrono::milliseconds::max())
        curl_easy_setopt(m_easy, CURLOPT_TIMEOUT_MS, long(timeout.count()));
    // A registry on loopback (docker run -p 5000:5000 registry) is never behind the proxy a
    // developer's environment names; an explicit no_proxy is the user's to set.
    if (!std::getenv("no_proxy") && !std::getenv("NO_PROXY"))
        curl_easy_setopt(m_easy, CURLOPT_NOPROXY, "localhost,127.0.0.1,::1");
    curl_easy_setopt(m_easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(m_easy, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(m_easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(m_easy, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(m_easy, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(m_easy, CURLOPT_XFERINFODATA, &transfer);
    curl_easy_setopt(m_easy, CURLOPT_NOPROGRESS, 0L);

    CURLcode code = curl_easy_perform(m_easy);
    auto result = outcome(m_easy, code, transfer, error_buffer);
    // curl keeps its own clock and rounds the limit it was given down to milliseconds, so it can
    // give up a moment before ours reaches the deadline; a stall or connect timeout is seconds away.
    constexpr auto kClockSlack = milliseconds(100);
    if (code == CURLE_OPERATION_TIMEDOUT && m_total_deadline && steady_clock::now() + kClockSlack >= m_total_deadline->at)
        result = make_error("registry {} timed out: {} passed", request.server, m_total_deadline->what);
    // The options point into this frame (the error buffer, the header list, the transfer): none
    // may outlive it. The reset keeps the connections for the next request.
    curl_easy_reset(m_easy);
    return result;
}

}
