#include "containers/registry/credential_scope.h"

#include "containers/registry/http_text.h"
#include "containers/registry/loopback.h"

#include <curl/curl.h>

#include <memory>
#include <optional>
#include <string>

namespace vmlet::image {

namespace {

struct UrlFree {
    void operator()(CURLU* url) const { curl_url_cleanup(url); }
};

// One part of `url` as libcurl, which makes the request, reads it.
std::optional<std::string> url_part(CURLU* url, CURLUPart part)
{
    char* text = nullptr;
    if (curl_url_get(url, part, &text, 0) != CURLUE_OK)
        return std::nullopt;
    std::string value = text;
    curl_free(text);
    return value;
}

}

bool credentials_may_go_to(std::string_view url, std::string_view registry)
{
    std::unique_ptr<CURLU, UrlFree> parsed(curl_url());
    if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, std::string(url).c_str(), 0) != CURLUE_OK)
        return false;
    auto scheme = url_part(parsed.get(), CURLUPART_SCHEME);
    auto host = url_part(parsed.get(), CURLUPART_HOST);
    if (!scheme || !host)
        return false;
    if (ascii_lowercase(*scheme) == "https")
        return true;
    // libcurl gives an IPv6 host in brackets, as a registry name has it.
    std::string realm_host = ascii_lowercase(host_of(*host));
    return ascii_lowercase(*scheme) == "http" && realm_host == ascii_lowercase(host_of(registry)) && is_loopback_host(realm_host);
}

}
