#pragma once

#include "vmm/base/result.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace vmlet::image {

// One account on one registry, and the file it came from (for messages).
struct Credentials {
    std::string user;
    std::string password;
    std::string source;
};

// The format Docker's ~/.docker/config.json and containers' auth.json share
// (containers-auth.json(5)): {"auths": {KEY: {"auth": base64("user:password")}}}, where KEY is a
// registry ("quay.io", "localhost:5000"), optionally with a namespace or repository after it
// ("quay.io/team"), and, as Docker writes Docker Hub's, may carry a scheme and path
// ("https://index.docker.io/v1/").

// KEY as the registry (and namespace) a reference names: the scheme and, after one, the path
// dropped ("https://index.docker.io/v1/" is "index.docker.io"), a trailing '/' dropped, and Docker
// Hub's other names (index.docker.io, registry-1.docker.io) made docker.io.
std::string normal_auth_key(std::string_view key);

// The credentials the auth file `text` (read from `source`) holds for `repository` on `registry`,
// from the most specific key naming it (containers-auth.json(5): "registry/namespace" before
// "registry"); nothing when no key does, or when the entry has no "auth" (it names a credential
// helper, which vmlet does not run). A file that is not of this format, or an "auth" that is not
// base64 of "user:password", is an error naming `source` and the key.
Result<std::optional<Credentials>> credentials_in(std::string_view text, const std::string& source, std::string_view registry,
    std::string_view repository);

// `text` (an auth file, or empty for a new one) with `registry`'s entry set to `user`:`password`,
// or, with nullopt, removed (nothing when it had none to remove). Other keys and fields are kept.
// Fails, naming `source`, on a file not of this format.
Result<std::optional<std::string>> with_credentials(std::string_view text, const std::string& source, std::string_view registry,
    const std::optional<std::pair<std::string, std::string>>& user_password);

}
