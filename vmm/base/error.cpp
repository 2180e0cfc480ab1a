#include "vmm/base/error.h"

#include <cerrno>
#include <cstring>

namespace vmlet {

Error Error::with_context(std::string_view context) const
{
    return Error(fmt::format("{}: {}", context, m_message), m_code);
}

Error errno_error(std::string_view what)
{
    return errno_error(what, errno);
}

Error errno_error(std::string_view what, int err)
{
    return Error(fmt::format("{}: {}", what, std::strerror(err)), err);
}

}
