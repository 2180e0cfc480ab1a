#include "containers/registry/base64.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

namespace vmlet::image {

std::string base64(std::string_view bytes)
{
    std::string encoded(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()), reinterpret_cast<const unsigned char*>(bytes.data()),
        static_cast<int>(bytes.size()));
    encoded.resize(static_cast<size_t>(length));
    return encoded;
}

std::optional<std::string> base64_decode(std::string_view text)
{
    if (text.size() % 4 != 0)
        return std::nullopt;
    size_t padding = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
    // EVP_DecodeBlock would skip whitespace and accept '=' anywhere; base64 has neither there.
    auto alphabet = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/'; };
    if (!std::all_of(text.begin(), text.end() - long(padding), alphabet))
        return std::nullopt;
    std::string decoded(3 * text.size() / 4, '\0');
    int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()), reinterpret_cast<const unsigned char*>(text.data()),
        static_cast<int>(text.size()));
    if (length < 0)
        return std::nullopt;
    // EVP_DecodeBlock counts the padding as zero bytes.
    decoded.resize(static_cast<size_t>(length) - padding);
    return decoded;
}

}
