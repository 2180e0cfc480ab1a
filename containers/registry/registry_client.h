#pragma once

#include "vmm/base/result.h"
#include "containers/image/digest.h"
#include "containers/image/image_limits.h"
#include "containers/image/reference.h"
#include "containers/registry/http_transport.h"
#include "containers/registry/registry_auth.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vmlet::image {

// A manifest or index as the registry sent it: the exact bytes (their digest is the image's
// identity), the media type from Content-Type, and the digest of the bytes.
struct FetchedManifest {
    std::string bytes;
    std::string media_type;
    Digest digest;
};

// A client of one repository on one registry, speaking the OCI distribution spec v1.1
// (spec.md "Pulling manifests", "Pulling blobs") over an HttpTransport, authenticated as
// RegistryAuth says (anonymous, Basic, or a bearer token; the credentials stored for this
// registry only). Registries whose host resolves to loopback (127.0.0.0/8, ::1) are spoken to
// over plain HTTP, as Docker treats them as insecure by default; all others over HTTPS.
// Errors read as one line: "registry 127.0.0.1:5000 is unreachable: Connection refused".
class RegistryClient {
public:
    // Prepares a client for `reference`'s repository; no request is made until the first
    // manifest or blob (so an unreachable registry is reported there). Fails only on an auth file
    // that cannot be read. No manifest or index larger than `manifest_limit` is taken
    // (ImageLimits::manifest_bytes).
    static Result<RegistryClient> connect(const Reference& reference, uint64_t manifest_limit = ImageLimits {}.manifest_bytes);

    // GET /v2/<name>/manifests/<tag or digest>, accepting OCI and Docker v2 manifests and
    // indexes. When `tag_or_digest` is a digest, the bytes are checked against it. With the
    // `declared_size` of a descriptor (an index's entry), a size over the limit is refused before
    // the request, and a registry sending more than declared is cut off there.
    Result<FetchedManifest> manifest(const std::string& tag_or_digest, std::optional<uint64_t> declared_size = std::nullopt);

    // GET /v2/<name>/blobs/<digest> into the new file `path` (created with O_EXCL), following
    // redirects to other hosts without our credentials, checking the digest of what arrived and
    // that exactly `size` bytes did (the descriptor's size; a registry sending more is cut off
    // there). On error `path` does not exist afterwards. `progress` is called a few times a
    // second while bytes arrive, and once at the end.
    Result<void> download_blob(const Digest& digest, uint64_t size, const std::string& path,
        const ProgressCallback& progress = {});
    // The same when the size is not known: only the digest is checked.
    Result<void> download_blob(const Digest& digest, const std::string& path, const ProgressCallback& progress = {});

    // Every later request, a token's included, ends by `deadline` (HttpTransport::set_total_deadline).
    void set_total_deadline(TotalDeadline deadline) { m_http.set_total_deadline(std::move(deadline)); }

private:
    RegistryClient(Reference reference, std::string base_url, HttpTransport http, RegistryAuth auth, uint64_t manifest_limit);

    // A GET with our authorization; a 401 is answered once (a token may also have expired).
    Result<HttpResponse> get(const HttpRequest& request);
    Result<void> download(const Digest& digest, std::optional<uint64_t> size, const std::string& path, const ProgressCallback& progress);
    Result<void> fetch_blob(const Digest& digest, std::optional<uint64_t> size, int fd, const ProgressCallback& progress);
    // A status the caller has no special meaning for, as a sentence about `what`.
    Error status_error(const HttpResponse& response, std::string_view what) const;
    // "127.0.0.1:5000/app:v1" or "127.0.0.1:5000/app@sha256:...", for messages.
    std::string name_of(std::string_view tag_or_digest) const;

    Reference m_reference;
    std::string m_base_url; // "http://127.0.0.1:5000/v2/library/busybox"
    HttpTransport m_http;
    RegistryAuth m_auth;
    uint64_t m_manifest_limit;
};

}
