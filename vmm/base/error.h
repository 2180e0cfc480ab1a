#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <utility>

namespace vmlet {

// An error that reads as one sentence to the user: what failed, on what, and why; and, when a
// system call failed, the errno it failed with, for callers that tell causes apart (EBUSY, ENOENT).
class Error {
public:
    explicit Error(std::string message, int code = 0)
        : m_message(std::move(message))
        , m_code(code)
    {
    }

    const std::string& message() const { return m_message; }
    // The errno behind the error, or 0 when no system call failed.
    int code() const { return m_code; }

    // Prefixes the message with where it happened: "loading kernel: <message>".
    Error with_context(std::string_view context) const;

private:
    std::string m_message;
    int m_code { 0 };
};

template<typename... Args>
Error make_error(fmt::format_string<Args...> format, Args&&... args)
{
    return Error(fmt::format(format, std::forward<Args>(args)...));
}

// "<what>: <strerror(err)>", carrying `err` as its code(); the one-argument form reads errno.
Error errno_error(std::string_view what);
Error errno_error(std::string_view what, int err);

}
