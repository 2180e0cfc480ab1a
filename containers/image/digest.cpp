#include "containers/image/digest.h"

#include "vmm/base/file.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace vmlet::image {

namespace {

constexpr std::string_view kPrefix = "sha256:";
constexpr size_t kHexLength = 64;

}

Result<Digest> Digest::parse(std::string_view text)
{
    if (!text.starts_with(kPrefix))
        return make_error("'{}' is not a sha256 digest (sha256:<64 hex digits>)", text);
    auto hex = text.substr(kPrefix.size());
    bool hex_ok = hex.size() == kHexLength
        && hex.find_first_not_of("0123456789abcdef") == std::string_view::npos;
    if (!hex_ok)
        return make_error("'{}' is not a sha256 digest (sha256:<64 hex digits>)", text);
    return Digest(std::string(text));
}

Digest Digest::of(std::span<const uint8_t> bytes)
{
    Sha256 hash;
    hash.update(bytes);
    return hash.finish();
}

Digest Digest::of(std::string_view bytes)
{
    return of(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

Sha256::Sha256()
    : m_context(EVP_MD_CTX_new())
{
    // Allocation or init failing means OpenSSL itself is broken; nothing sensible remains.
    if (!m_context || EVP_DigestInit_ex(m_context.get(), EVP_sha256(), nullptr) != 1)
        std::abort();
}

void Sha256::update(std::span<const uint8_t> bytes)
{
    EVP_DigestUpdate(m_context.get(), bytes.data(), bytes.size());
}

void Sha256::update(std::string_view bytes)
{
    EVP_DigestUpdate(m_context.get(), bytes.data(), bytes.size());
}

Digest Sha256::finish()
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> raw {};
    unsigned int length = 0;
    EVP_DigestFinal_ex(m_context.get(), raw.data(), &length);
    std::string text(kPrefix);
    for (unsigned int index = 0; index < length; ++index)
        text += fmt::format("{:02x}", raw[index]);
    return Digest(std::move(text));
}

Result<Digest> digest_of_file(const std::string& path)
{
    auto fd = TRY(open_file(path, O_RDONLY | O_CLOEXEC));
    Sha256 hash;
    std::array<uint8_t, 1 << 16> buffer;
    for (;;) {
        ssize_t count = ::read(fd.get(), buffer.data(), buffer.size());
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0)
            return errno_error(fmt::format("reading {}", path));
        if (count == 0)
            break;
        hash.update(std::span(buffer.data(), static_cast<size_t>(count)));
    }
    return hash.finish();
}

Result<void> verify_file(const std::string& path, const Digest& expected)
{
    auto actual = TRY(digest_of_file(path));
    if (actual == expected)
        return {};
    ::unlink(path.c_str());
    return make_error("blob {} has the wrong content (its digest is {})", expected.string(), actual.string());
}

}
