#pragma once

#include "vmm/base/result.h"

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace vmlet::image {

// A content digest as the OCI image spec writes one (descriptor.md "Digests"):
// "sha256:<64 lowercase hex>". Only sha256 is accepted; it is what every registry and
// `docker save` produce, and a digest in any other algorithm cannot be verified here.
class Digest {
public:
    static Result<Digest> parse(std::string_view text);
    static Digest of(std::span<const uint8_t> bytes);
    static Digest of(std::string_view bytes);

    const std::string& string() const { return m_text; } // "sha256:abc..."
    std::string_view hex() const { return std::string_view(m_text).substr(7); }
    // The short image id `docker images` prints: the first 12 hex digits.
    std::string_view short_hex() const { return hex().substr(0, 12); }

    bool operator==(const Digest&) const = default;
    auto operator<=>(const Digest&) const = default;

private:
    explicit Digest(std::string text)
        : m_text(std::move(text))
    {
    }
    friend class Sha256;
    std::string m_text;
};

// Incremental SHA-256 over a stream (a blob while it downloads, a layer while it unpacks).
class Sha256 {
public:
    Sha256();
    void update(std::span<const uint8_t> bytes);
    void update(std::string_view bytes);
    Digest finish();

private:
    struct Free {
        void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
    };
    std::unique_ptr<EVP_MD_CTX, Free> m_context;
};

// The digest of a whole file, read in chunks.
Result<Digest> digest_of_file(const std::string& path);

// Checks that the file at `path` has digest `expected`, and removes it if not: content that is
// not what its descriptor promised is never kept (OCI descriptor.md "Verification").
Result<void> verify_file(const std::string& path, const Digest& expected);

}
