#pragma once

#include "vmm/base/error.h"

#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace vmlet {

// Either a value or an Error. Propagate with TRY(); never ignore (nodiscard).
template<typename T>
class [[nodiscard]] Result {
public:
    Result(T value)
        : m_storage(std::in_place_index<0>, std::move(value))
    {
    }
    Result(Error error)
        : m_storage(std::in_place_index<1>, std::move(error))
    {
    }

    bool ok() const { return m_storage.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(m_storage); }
    const T& value() const& { return std::get<0>(m_storage); }
    T release_value() { return std::move(std::get<0>(m_storage)); }

    const Error& error() const& { return std::get<1>(m_storage); }
    Error release_error() { return std::move(std::get<1>(m_storage)); }

private:
    std::variant<T, Error> m_storage;
};

template<>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error)
        : m_error(std::move(error))
    {
    }

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    void release_value() { }

    const Error& error() const& { return *m_error; }
    Error release_error() { return std::move(*m_error); }

private:
    std::optional<Error> m_error;
};

}

// Evaluates a Result; returns its error from the enclosing function, or yields its value.
#define TRY(expression)                                    \
    ({                                                     \
        auto _try_result = (expression);                   \
        if (!_try_result.ok())                             \
            return _try_result.release_error();            \
        _try_result.release_value();                       \
    })

// Like TRY, but prefixes the error with a context string.
#define TRY_CONTEXT(expression, context)                                  \
    ({                                                                    \
        auto _try_result = (expression);                                  \
        if (!_try_result.ok())                                            \
            return _try_result.release_error().with_context(context);     \
        _try_result.release_value();                                      \
    })
