#pragma once

#include "vmm/base/result.h"

#include <sys/un.h>

#include <string_view>

namespace vmlet {

// The address of a unix socket at `path`; an error naming the path when it does not fit in
// sun_path (108 bytes with its NUL, unix(7)).
Result<sockaddr_un> unix_socket_address(std::string_view path);

}
