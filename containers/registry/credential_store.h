#pragma once

#include "vmm/base/result.h"
#include "containers/registry/auth_file.h"

#include <optional>
#include <string>
#include <string_view>

namespace vmlet::image {

// Where registry credentials live, each file in auth_file.h's format, read in this order (the
// first holding an entry for the registry wins):
//   1. vmlet's own, which `vmlet login` writes: $XDG_CONFIG_HOME/vmlet/auth.json
//      (~/.config/vmlet/auth.json), mode 0600;
//   2. containers' (podman, skopeo, buildah; containers-auth.json(5)): $REGISTRY_AUTH_FILE, else
//      $XDG_RUNTIME_DIR/containers/auth.json, then $XDG_CONFIG_HOME/containers/auth.json;
//   3. Docker's: $DOCKER_CONFIG/config.json, else ~/.docker/config.json.
// An empty variable counts as unset. Credentials are for one registry only: a client for another
// never sees them.

// vmlet's own file.
std::string own_auth_file();

// The credentials for `repository` on `registry` ("127.0.0.1:5000", "docker.io"), if any file
// has them. A file that exists but cannot be read or parsed is an error naming it.
Result<std::optional<Credentials>> find_credentials(std::string_view registry, std::string_view repository);

// `vmlet login` and `logout`: sets or (nullopt) removes `registry`'s entry in own_auth_file(),
// creating it (and its directory, 0700) as needed, written whole with mode 0600. Removing returns
// whether there was an entry.
Result<bool> set_own_credentials(std::string_view registry, const std::optional<std::pair<std::string, std::string>>& user_password);

}
