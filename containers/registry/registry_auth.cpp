#include "containers/registry/registry_auth.h"

#include "containers/registry/auth_challenge.h"
#include "containers/registry/base64.h"
#include "containers/registry/credential_scope.h"
#include "containers/registry/credential_store.h"
#include "containers/registry/registry_token.h"

#include <algorithm>
#include <iterator>
#include <utility>
#include <vector>

namespace vmlet::image {

namespace {

// A token answer is a small JSON document; a JWT granting one scope is a few KiB.
constexpr size_t kTokenAnswerLimit = 1 << 20;

}

Result<RegistryAuth> RegistryAuth::for_registry(std::string registry, std::string repository)
{
    auto credentials = TRY(find_credentials(registry, repository));
    return RegistryAuth(std::move(registry), std::move(repository), std::move(credentials));
}

RegistryAuth::RegistryAuth(std::string registry, std::string repository, std::optional<Credentials> credentials)
    : m_registry(std::move(registry))
    , m_repository(std::move(repository))
    , m_credentials(std::move(credentials))
{
}

Result<void> RegistryAuth::answer(const HttpResponse& unauthorized, HttpTransport& http)
{
    // A malformed field is reported only when no other offers a challenge we answer.
    std::vector<AuthChallenge> challenges;
    std::optional<Error> malformed;
    for (const auto& [name, value] : unauthorized.headers) {
        if (name != "www-authenticate")
            continue;
        auto parsed = parse_www_authenticate(value);
        if (!parsed.ok()) {
            malformed = make_error("registry {} sent a malformed WWW-Authenticate header: {}", m_registry, parsed.error().message());
            continue;
        }
        std::move(parsed.value().begin(), parsed.value().end(), std::back_inserter(challenges));
    }
    auto chosen = choose_challenge(challenges);
    if (!chosen)
        return malformed ? *malformed : required();
    if (chosen->scheme == "basic") {
        if (!m_credentials)
            return required();
        m_authorization = basic_authorization();
        return {};
    }
    m_authorization = "Authorization: Bearer " + TRY(fetch_token(*chosen, http));
    return {};
}

// The Docker token protocol: GET the realm, with Basic credentials when we have them (anonymous
// pulls get a token too), and take the token from the JSON answer. A realm the credentials may
// not go to is refused rather than asked anonymously: the pull would fail all the same, and the
// user learns why.
Result<std::string> RegistryAuth::fetch_token(const AuthChallenge& bearer, HttpTransport& http) const
{
    HttpRequest request {
        .url = TRY(token_url(bearer, m_registry, m_repository)),
        .server = m_registry,
        .headers = { "Accept: application/json" },
        .body_limit = kTokenAnswerLimit,
    };
    std::string realm = bearer.parameter("realm");
    if (m_credentials) {
        if (!credentials_may_go_to(request.url, m_registry)) {
            return make_error("registry {} sends its credentials to the token service {}, which is neither https nor its own loopback host: refused",
                m_registry, realm);
        }
        request.headers.push_back(basic_authorization());
    }
    auto response = TRY(http.get(request));
    if (response.status == 401 || response.status == 403)
        return refused();
    if (response.status != 200)
        return make_error("the token service of {} ({}) answered HTTP {}", m_registry, realm, response.status);
    if (response.body_over_limit)
        return make_error("the token service of {} ({}) sent an answer over {} MiB", m_registry, realm, kTokenAnswerLimit >> 20);
    auto token = token_from_answer(response.body);
    if (!token.ok())
        return make_error("the token service of {} ({}) {}", m_registry, realm, token.error().message());
    return token.release_value();
}

Error RegistryAuth::refused() const
{
    if (!m_credentials)
        return required();
    return make_error("authentication to {} failed: the credentials for it in {} were rejected", m_registry, m_credentials->source);
}

std::string RegistryAuth::basic_authorization() const
{
    return "Authorization: Basic " + base64(m_credentials->user + ":" + m_credentials->password);
}

Error RegistryAuth::required() const
{
    return make_error("authentication required by {} (log in with 'vmlet login {}')", m_registry, m_registry);
}

}
