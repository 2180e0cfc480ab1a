#pragma once

#include "vmm/base/result.h"
#include "containers/registry/auth_challenge.h"

#include <string>
#include <string_view>

namespace vmlet::image {

// The two halves of the Docker token protocol (distribution docs/spec/auth/token.md) that need no
// network; RegistryAuth does the GET between them.

// Where to ask for a token to pull `repository` ("Requesting a Token"): the Bearer challenge's
// realm with its service and the scope repository:<repository>:pull, percent-encoded. The scope
// is ours rather than the challenge's: a registry may ask for less, and pulling needs exactly
// this. Fails, naming `registry`, when the challenge names no realm.
Result<std::string> token_url(const AuthChallenge& bearer, std::string_view registry, std::string_view repository);

// The token in the token service's JSON answer: "token", or "access_token", which the protocol
// accepts for OAuth 2.0 compatibility ("Token Response Fields"). The error completes "the token
// service ... ": "sent no token" when neither holds a non-empty string, and a refusal of a token
// that cannot stand in a header line (RFC 6750 section 2.1 asks for a b64token; anything visible
// in ASCII is let through, nothing that would end the line or add a header).
Result<std::string> token_from_answer(std::string_view body);

}
