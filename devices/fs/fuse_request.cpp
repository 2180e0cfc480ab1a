#include "devices/fs/fuse_request.h"

namespace vmlet::fs {

bool valid_name(std::string_view name)
{
    return !name.empty() && name.size() <= kMaxName && name != "." && name != ".." && name.find('/') == std::string_view::npos
        && name.find('\0') == std::string_view::npos;
}

std::optional<std::string_view> RequestArgs::terminated(size_t max_length)
{
    auto rest = m_bytes.subspan(m_at);
    if (rest.empty())
        return std::nullopt;
    auto* begin = reinterpret_cast<const char*>(rest.data());
    auto* nul = static_cast<const char*>(std::memchr(begin, 0, rest.size()));
    if (!nul || size_t(nul - begin) > max_length)
        return std::nullopt;
    std::string_view text(begin, size_t(nul - begin));
    m_at += text.size() + 1;
    return text;
}

std::optional<std::string_view> RequestArgs::name()
{
    auto text = terminated(kMaxName);
    if (!text || !valid_name(*text))
        return std::nullopt;
    return text;
}

std::optional<std::string_view> RequestArgs::path()
{
    auto text = terminated(kMaxPath - 1);
    if (!text || text->empty())
        return std::nullopt;
    return text;
}

}
