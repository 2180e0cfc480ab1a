#pragma once

#include "vmm/base/result.h"

#include <string>
#include <string_view>

namespace vmlet::image {

// An image reference as Docker reads one (the grammar of distribution/reference, normalised as
// `docker pull` does): `busybox` is docker.io/library/busybox:latest, `user/app` is
// docker.io/user/app:latest, and the first component names a registry only if it has a '.' or
// a ':' or is `localhost` (`localhost:5000/app:1`, `ghcr.io/org/tool@sha256:...`).
struct Reference {
    std::string registry;   // "docker.io", "localhost:5000"
    std::string repository; // "library/busybox"
    std::string tag;        // "latest" unless given; empty when only a digest was
    std::string digest;     // "sha256:<64 hex>" when given

    static Result<Reference> parse(std::string_view text);

    // The full normalised name: "docker.io/library/busybox:latest", with "@digest" if there is one.
    std::string canonical() const;
    // The repository as `docker images` shows it: "busybox", "user/app", "localhost:5000/app".
    std::string familiar_repository() const;
    // The host the distribution API lives on (Docker Hub's is not docker.io).
    std::string api_host() const;
};

}
