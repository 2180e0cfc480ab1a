#pragma once

#include "vmm/base/result.h"
#include "containers/registry/auth_file.h"
#include "containers/registry/http_transport.h"

#include <optional>
#include <string>

namespace vmlet::image {

struct AuthChallenge;

// How vmlet proves who it is to one repository on one registry: anonymously, or with the
// credentials stored for that registry (credential_store.h), which answer a 401's challenge with
// HTTP Basic (RFC 7617) or buy a bearer token from the challenge's realm (the Docker token
// protocol, distribution docs/spec/auth/token.md; RFC 6750), if the realm may have them
// (credential_scope.h). The Authorization that was obtained is kept and sent with every later
// request, until a 401 asks again (a token may expire).
class RegistryAuth {
public:
    // With the credentials stored for `registry`; fails only on an auth file that cannot be read.
    static Result<RegistryAuth> for_registry(std::string registry, std::string repository);

    // The whole "Authorization: ..." header line to send, or empty while anonymous.
    const std::string& authorization() const { return m_authorization; }

    // Answers `unauthorized` (a 401) by choosing among its WWW-Authenticate challenges and
    // obtaining a new authorization(), through `http` for a token.
    Result<void> answer(const HttpResponse& unauthorized, HttpTransport& http);

    // Why a request sent with a fresh authorization() was refused all the same.
    Error refused() const;

private:
    RegistryAuth(std::string registry, std::string repository, std::optional<Credentials> credentials);
    Result<std::string> fetch_token(const AuthChallenge& bearer, HttpTransport& http) const;
    Error required() const;
    std::string basic_authorization() const; // of the credentials, which must be there

    std::string m_registry; // "127.0.0.1:5000", for messages
    std::string m_repository;
    std::optional<Credentials> m_credentials;
    std::string m_authorization;
};

}
