#pragma once

#include <string_view>

namespace vmlet::image {

// Whether a registry's credentials may go to the token realm `url` the registry named (the
// Docker token protocol, distribution docs/spec/auth/token.md: the client sends them to the
// realm with Basic auth, RFC 7617). Only over https, which keeps them from everyone on the path,
// or to the registry's own host when that is loopback (a registry run locally with
// `docker run -p 5000:5000 registry` and its token service beside it), where they never leave
// the machine. Never over plain http to another host: a registry, or anyone who can answer for
// it over plain http, must not be able to send them elsewhere.
bool credentials_may_go_to(std::string_view url, std::string_view registry);

}
