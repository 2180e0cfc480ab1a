#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <utility>

namespace vmlet {

// An error that reads as one sentence to the user: what failed, on what, and why.
class Error {
public:
    explicit Error(std::string message)
        : m_message(std::move(message))
    {
    }

    const std::string& message() const { return m_message; }

    // Prefixes the message with where it happened: "loading kernel: <message>".
    Error with_context(std::string_view context) const;

private:
    std::string m_message;
};

template<typename... Args>
Error make_error(fmt::format_string<Args...> format, Args&&... args)
{
    return Error(fmt::format(format, std::forward<Args>(args)...));
}

// "<what>: <strerror(err)>"; the one-argument form reads errno.
Error errno_error(std::string_view what);
Error errno_error(std::string_view what, int err);

}
