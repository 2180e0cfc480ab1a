#pragma once

#include "vmm/base/result.h"

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vmlet::image {

// One challenge of a WWW-Authenticate field (RFC 7235 section 2.1), such as Docker Hub's
//   Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"
struct AuthChallenge {
    // Lowercased: schemes are case-insensitive (RFC 7235 section 2.1).
    std::string scheme;
    // The auth-params in the order sent, names lowercased (they are case-insensitive too), quoted
    // values unescaped. A challenge carrying a token68 instead has none: neither scheme vmlet
    // answers (Bearer, RFC 6750 section 3; Basic, RFC 7617 section 2) uses one, so it is dropped.
    std::vector<std::pair<std::string, std::string>> parameters;

    // The value of the parameter `name` (lowercase), or empty when the challenge has none.
    std::string parameter(std::string_view name) const;
};

// Every challenge in one WWW-Authenticate field value, which may hold several separated by
// commas (RFC 7235 section 4.1: `1#challenge`). The grammar is followed strictly: a value is a
// token or a quoted string (an unquoted URL is refused, as distribution's own client cannot read
// one either), a parameter appears once per challenge (section 2.1). An error names what is wrong
// and at which byte, without repeating the field, which is the server's text.
Result<std::vector<AuthChallenge>> parse_www_authenticate(std::string_view field);

// The challenge vmlet answers among those of one 401 response (all its WWW-Authenticate fields):
// the first Bearer (the Docker token protocol), else the first Basic; none when neither is offered.
std::optional<AuthChallenge> choose_challenge(std::span<const AuthChallenge> challenges);

}
